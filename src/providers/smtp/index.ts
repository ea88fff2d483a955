// SMTP as the registry knows it: one URL (with its password) and the pool's shape. Any SMTP
// relay works: the operator's own Postfix, or a provider's submission port.
import { z } from 'zod';
import { defineProvider } from '../provider.js';
import { SmtpProvider } from './smtp.provider.js';

// Accepts its own output too: the config loader validates the parsed settings again per provider.
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes')]);

export const smtp = defineProvider({
  name: 'smtp',
  channels: ['email'],
  settings: z.object({
    // The message names the setting only: zod never echoes the value, which holds the password.
    SMTP_URL: z
      .string()
      .trim()
      .refine((v) => /^smtps?:\/\/[^/]+/i.test(v) && URL.canParse(v), 'must be smtp://user:pass@host:port (STARTTLS when offered) or smtps://… (implicit TLS)')
      .optional(),
    SMTP_POOL_SIZE: z.coerce.number().int().positive().default(5),
    SMTP_MAX_MESSAGES_PER_CONNECTION: z.coerce.number().int().positive().default(1000),
    SMTP_TLS_REJECT_UNAUTHORIZED: bool.default(true),
  }),
  secrets: ['SMTP_URL'],
  requires: (s) => (s.SMTP_URL ? [] : [{ setting: 'SMTP_URL', message: 'is required (smtp://user:pass@host:port or smtps://…)' }]),
  create: ({ settings, logger }) =>
    new SmtpProvider({
      url: settings.SMTP_URL!,
      poolSize: settings.SMTP_POOL_SIZE,
      maxMessagesPerConnection: settings.SMTP_MAX_MESSAGES_PER_CONNECTION,
      rejectUnauthorized: settings.SMTP_TLS_REJECT_UNAUTHORIZED,
      logger,
    }),
});
