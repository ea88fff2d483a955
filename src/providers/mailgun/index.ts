// Mailgun as the registry knows it: its settings, what must be set once it is chosen, its webhook
// path, and how it is made.
import { z } from 'zod';
import { defineProvider, WEBHOOK_MAX_AGE_SECONDS } from '../provider.js';
import { MailgunProvider } from './mailgun.provider.js';

export const MAILGUN_BASE_URLS = {
  us: 'https://api.mailgun.net',
  eu: 'https://api.eu.mailgun.net',
} as const;

/** MAILGUN_BASE_URL when set (tests, proxies), else the region's (EU accounts live on their own API). */
export function baseUrlOf(settings: {
  MAILGUN_BASE_URL?: string | undefined;
  MAILGUN_REGION?: 'us' | 'eu' | undefined;
}): string {
  return settings.MAILGUN_BASE_URL ?? MAILGUN_BASE_URLS[settings.MAILGUN_REGION ?? 'us'];
}

export const mailgun = defineProvider({
  name: 'mailgun',
  channels: ['email'],
  settings: z.object({
    MAILGUN_API_KEY: z.string().min(1).optional(),
    MAILGUN_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'must be a sending domain such as mg.example.com')
      .optional(),
    // No default here: MAILGUN_REGION decides it when this is not set (baseUrlOf).
    MAILGUN_BASE_URL: z.url().optional(),
    MAILGUN_REGION: z.enum(['us', 'eu']).optional(),
    MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(1).optional(),
    CRIER_WEBHOOK_MAX_AGE_SECONDS: WEBHOOK_MAX_AGE_SECONDS,
    MAILGUN_POLL_AFTER_MINUTES: z.coerce.number().int().positive().default(60),
  }),
  secrets: ['MAILGUN_API_KEY', 'MAILGUN_WEBHOOK_SIGNING_KEY'],
  requires: (s) => [
    ...(s.MAILGUN_API_KEY
      ? []
      : [
          {
            setting: 'MAILGUN_API_KEY',
            message: 'the Mailgun API key (Mailgun: API Security) is required',
          },
        ]),
    ...(s.MAILGUN_DOMAIN
      ? []
      : [
          {
            setting: 'MAILGUN_DOMAIN',
            message: 'the Mailgun sending domain (such as mg.example.com) is required',
          },
        ]),
  ],
  webhookPaths: ['mailgun'],
  create: ({ settings, logger, capabilities, now }) =>
    new MailgunProvider({
      apiKey: settings.MAILGUN_API_KEY ?? '',
      domain: settings.MAILGUN_DOMAIN ?? '',
      baseUrl: baseUrlOf(settings),
      ...(settings.MAILGUN_WEBHOOK_SIGNING_KEY
        ? { webhookSigningKey: settings.MAILGUN_WEBHOOK_SIGNING_KEY }
        : {}),
      webhookMaxAgeMs: settings.CRIER_WEBHOOK_MAX_AGE_SECONDS * 1000,
      pollAfterMs: settings.MAILGUN_POLL_AFTER_MINUTES * 60_000,
      capabilities,
      logger,
      now,
    }),
});
