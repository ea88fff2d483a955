// The sandbox as the registry knows it: its one setting, and how it is made.
import { z } from 'zod';
import { defineProvider } from '../provider.js';
import { SandboxProvider } from './sandbox.provider.js';

export const sandbox = defineProvider({
  name: 'sandbox',
  channels: ['email', 'sms'],
  settings: z.object({
    CRIER_SANDBOX_DELIVERY_DELAY_MS: z.coerce.number().int().nonnegative().default(2000),
  }),
  secrets: [],
  create: ({ settings, capabilities }) => new SandboxProvider({ capabilities, deliveryDelayMs: settings.CRIER_SANDBOX_DELIVERY_DELAY_MS }),
});
