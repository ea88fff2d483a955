// SendGrid as the registry knows it: its settings, what must be set once it is chosen, its
// webhook path, and how it is made.
import { z } from 'zod';
import { defineProvider, WEBHOOK_MAX_AGE_SECONDS, type SettingProblem } from '../provider.js';
import { SendGridProvider } from './sendgrid.provider.js';
import { parsePublicKey } from './sendgrid.signature.js';

const optionalText = z.string().trim().min(1).optional();

export const sendgrid = defineProvider({
  name: 'sendgrid',
  channels: ['email'],
  settings: z.object({
    SENDGRID_API_KEY: optionalText,
    SENDGRID_BASE_URL: z.url().default('https://api.sendgrid.com'),
    /** Optional: sending works without it, but every webhook call is then refused (401). */
    SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
    CRIER_WEBHOOK_MAX_AGE_SECONDS: WEBHOOK_MAX_AGE_SECONDS,
  }),
  secrets: ['SENDGRID_API_KEY'],
  requires(settings) {
    const problems: SettingProblem[] = [];
    if (!settings.SENDGRID_API_KEY) problems.push({ setting: 'SENDGRID_API_KEY', message: 'is required (an API key with the Mail Send permission)' });
    if (settings.SENDGRID_WEBHOOK_PUBLIC_KEY) {
      try {
        parsePublicKey(settings.SENDGRID_WEBHOOK_PUBLIC_KEY);
      } catch (err) {
        problems.push({ setting: 'SENDGRID_WEBHOOK_PUBLIC_KEY', message: (err as Error).message });
      }
    }
    return problems;
  },
  webhookPaths: ['sendgrid'],
  create: ({ settings, logger, now }) =>
    new SendGridProvider({
      apiKey: settings.SENDGRID_API_KEY ?? '',
      baseUrl: settings.SENDGRID_BASE_URL,
      webhookKey: settings.SENDGRID_WEBHOOK_PUBLIC_KEY ? parsePublicKey(settings.SENDGRID_WEBHOOK_PUBLIC_KEY) : null,
      webhookMaxAgeSeconds: settings.CRIER_WEBHOOK_MAX_AGE_SECONDS,
      logger,
      now,
    }),
});
