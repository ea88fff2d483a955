// The registry and the config loader together: each provider's settings are declared in its own
// folder and validated by the one loader; a chosen provider's missing settings stop start-up,
// naming the setting and never a secret's value; module providers read their own.
import pino from 'pino';
import { expect, it, describe } from 'vitest';
import { loadConfig, SECRET_SETTINGS } from '../../src/config.js';
import { CrierError } from '../../src/domain/errors.js';
import type { ProviderCapabilities } from '../../src/providers/provider.js';
import { BUILT_IN, createProviders } from '../../src/providers/registry.js';

const unusedCapabilities: ProviderCapabilities = {
  ingest: async () => undefined,
  firstUse: async () => true,
  forget: async () => undefined,
  awaitingReport: async () => [],
  sandbox: { insert: async () => undefined, takeDue: async () => [], markReported: async () => undefined },
};

const problemOf = (env: Record<string, string>) => {
  try {
    loadConfig({ env });
  } catch (err) {
    expect(err).toBeInstanceOf(CrierError);
    return (err as CrierError).message;
  }
  throw new Error('the configuration was accepted');
};

describe('provider settings', () => {
  it("validates a provider's own setting through the one loader, naming it", () => {
    expect(problemOf({ CRIER_SANDBOX_DELIVERY_DELAY_MS: '-5' })).toMatch(/CRIER_SANDBOX_DELIVERY_DELAY_MS = "-5": .*/);
  });

  it('marks every secret a provider declares as secret', () => {
    for (const definition of BUILT_IN) for (const secret of definition.secrets) expect(SECRET_SETTINGS.has(secret)).toBe(true);
  });

  it('knows every built-in provider by one name, each able to send what it says', () => {
    const names = BUILT_IN.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('sandbox');
  });

  it('refuses an unknown provider name at start, listing those it knows', async () => {
    const config = loadConfig({ env: { CRIER_EMAIL_PROVIDER: 'postmark' } });
    const s = config.settings;
    await expect(
      createProviders({ email: s.CRIER_EMAIL_PROVIDER, sms: s.CRIER_SMS_PROVIDER, publicUrl: config.publicUrl, settings: s, modules: [] }, unusedCapabilities, pino({ level: 'silent' })),
    ).rejects.toThrow(/CRIER_EMAIL_PROVIDER = postmark: no such provider in this installation \(known: .*sandbox/);
  });

  it('gives a module provider the settings it declares, read from the environment, and one instance for both channels', async () => {
    const env = { CRIER_EMAIL_PROVIDER: 'hooked', CRIER_SMS_PROVIDER: 'hooked', CRIER_HOOKED_SECRET: 'from-the-env' };
    const config = loadConfig({ env });
    const providers = await createProviders(
      { email: 'hooked', sms: 'hooked', publicUrl: 'https://crier.example/', settings: { ...config.env, ...config.settings }, modules: ['test/harness/webhook-provider-module.ts'] },
      unusedCapabilities,
      pino({ level: 'silent' }),
    );
    expect(providers.email).toBe(providers.sms);
    expect(providers.email.webhooks?.map((w) => w.path)).toEqual(['hooked/events']);
  });
});
