// Twilio as the registry knows it: its settings (environment names), what must be set once it is
// chosen, the webhook paths to paste into Twilio's console, and how it is made.
import { z } from 'zod';
import { defineProvider, type SettingProblem } from '../provider.js';
import { TwilioProvider } from './twilio.provider.js';

const optionalText = z.string().trim().min(1).optional();

export const twilio = defineProvider({
  name: 'twilio',
  channels: ['sms'],
  settings: z.object({
    TWILIO_ACCOUNT_SID: z.string().trim().regex(/^AC[0-9a-fA-F]{32}$/, 'must be an Account SID: AC followed by 32 hex digits').optional(),
    TWILIO_AUTH_TOKEN: optionalText,
    TWILIO_FROM: optionalText,
    TWILIO_MESSAGING_SERVICE_SID: z.string().trim().regex(/^MG[0-9a-fA-F]{32}$/, 'must be a Messaging Service SID: MG followed by 32 hex digits').optional(),
    TWILIO_BASE_URL: z.url().default('https://api.twilio.com'),
    TWILIO_NUMBER_TYPE: z.enum(['long-code', 'toll-free', 'short-code']).default('long-code'),
    // Twilio accepts 1 to 36,000 s (error 21624 / 90007 outside it); 4 h keeps a stale notice from landing late.
    TWILIO_VALIDITY_SECONDS: z.coerce.number().int().min(1).max(36_000).default(14_400),
    TWILIO_CONCURRENCY: z.coerce.number().int().positive().max(100).default(10),
  }),
  secrets: ['TWILIO_AUTH_TOKEN'],
  requires(s) {
    const problems: SettingProblem[] = [];
    if (!s.TWILIO_ACCOUNT_SID) problems.push({ setting: 'TWILIO_ACCOUNT_SID', message: 'is required' });
    if (!s.TWILIO_AUTH_TOKEN) problems.push({ setting: 'TWILIO_AUTH_TOKEN', message: 'is required' });
    if (!s.TWILIO_FROM && !s.TWILIO_MESSAGING_SERVICE_SID) {
      problems.push({ setting: 'TWILIO_FROM', message: 'or TWILIO_MESSAGING_SERVICE_SID is required (the number, or the Messaging Service, that sends)' });
    }
    return problems;
  },
  webhookPaths: ['twilio/status', 'twilio/inbound'],
  create: ({ settings, publicUrl, capabilities, logger }) =>
    new TwilioProvider({
      accountSid: settings.TWILIO_ACCOUNT_SID!,
      authToken: settings.TWILIO_AUTH_TOKEN!,
      // Both may be given: Twilio then sends from that number of the service's pool.
      sender: { from: settings.TWILIO_FROM, messagingServiceSid: settings.TWILIO_MESSAGING_SERVICE_SID },
      baseUrl: settings.TWILIO_BASE_URL,
      numberType: settings.TWILIO_NUMBER_TYPE,
      validitySeconds: settings.TWILIO_VALIDITY_SECONDS,
      concurrency: settings.TWILIO_CONCURRENCY,
      publicUrl,
      ingest: (events) => capabilities.ingest(events),
      logger,
    }),
});
