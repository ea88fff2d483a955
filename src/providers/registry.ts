// The one place that knows providers by name: config → the provider for each channel. Adding a
// provider is a folder under providers/ and one entry in BUILT_IN; a deployment can also load
// its own (a gateway of its own, a loopback provider in tests) from modules named in
// CRIER_PROVIDER_MODULES, each exporting `providers: ProviderFactory[]`.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { CrierError } from '../domain/errors.js';
import type { Store } from '../store/store.js';
import type { Channel, Provider } from './provider.js';
import { SandboxProvider } from './sandbox/sandbox.provider.js';

export interface ProviderDeps {
  config: Config;
  store: Store;
}

export interface ProviderFactory {
  name: string;
  create(deps: ProviderDeps): Provider;
}

const BUILT_IN: ProviderFactory[] = [{ name: 'sandbox', create: ({ store, config }) => new SandboxProvider({ store, deliveryDelayMs: config.sending.sandboxDeliveryDelayMs }) }];

export type Providers = Record<Channel, Provider>;

async function loadModules(paths: readonly string[]): Promise<ProviderFactory[]> {
  const factories: ProviderFactory[] = [];
  for (const path of paths) {
    const module = (await importModule(pathToFileURL(resolve(path)).href)) as { providers?: ProviderFactory[] };
    if (!Array.isArray(module.providers)) {
      throw new CrierError('config_invalid', `CRIER_PROVIDER_MODULES: ${path} exports no "providers" list`);
    }
    factories.push(...module.providers);
  }
  return factories;
}

const TYPESCRIPT = /\.[cm]?tsx?$/;
let typeScriptLoader: Promise<void> | undefined;

/**
 * Imports a provider module. `crier` runs as plain JavaScript (bin/crier.js): a module written in
 * TypeScript is loaded through tsx, registered the first time one is asked for. Code that runs
 * from the TypeScript sources already has a loader that reads it.
 */
async function importModule(url: string): Promise<unknown> {
  if (TYPESCRIPT.test(url) && !TYPESCRIPT.test(import.meta.url)) {
    typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => {
      register();
    });
    await typeScriptLoader;
  }
  return import(url);
}

export async function createProviders(deps: ProviderDeps): Promise<Providers> {
  const factories = new Map([...BUILT_IN, ...(await loadModules(deps.config.sending.providerModules))].map((f) => [f.name, f]));
  const settings = deps.config.settings;
  const build = (channel: Channel, name: string): Provider => {
    const factory = factories.get(name);
    if (!factory) {
      const setting = channel === 'email' ? 'CRIER_EMAIL_PROVIDER' : 'CRIER_SMS_PROVIDER';
      throw new CrierError('config_invalid', `${setting} = ${name}: no such provider in this installation (known: ${[...factories.keys()].join(', ')})`);
    }
    const provider = factory.create(deps);
    if (!provider.channels.includes(channel)) {
      throw new CrierError('config_invalid', `${name} cannot send ${channel}`);
    }
    return provider;
  };
  const email = build('email', settings.CRIER_EMAIL_PROVIDER);
  const sms = settings.CRIER_SMS_PROVIDER === settings.CRIER_EMAIL_PROVIDER ? email : build('sms', settings.CRIER_SMS_PROVIDER);
  return { email, sms };
}
