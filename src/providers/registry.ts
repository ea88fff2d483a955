// The one place that knows providers by name. Adding a provider is a folder under providers/ and
// one line in BUILT_IN: its definition (provider.ts) brings its settings, which the config loader
// validates, and everything else about it. A deployment can also load its own (a gateway of its
// own, a loopback provider in tests) from modules named in CRIER_PROVIDER_MODULES, each exporting
// `providers: ProviderDefinition[]`.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CrierError } from '../domain/errors.js';
import type { Channel, Provider, ProviderCapabilities, ProviderDefinition, SettingProblem } from './provider.js';
import { mailgun } from './mailgun/index.js';
import { sandbox } from './sandbox/index.js';
import { sendgrid } from './sendgrid/index.js';
import { smtp } from './smtp/index.js';
import { twilio } from './twilio/index.js';

export const BUILT_IN: readonly ProviderDefinition[] = [
  mailgun,
  sandbox,
  sendgrid,
  smtp,
  twilio,
];

export type Providers = Record<Channel, Provider>;

/** What choosing providers needs of the configuration (config.ts's Config has it all). */
export interface ProviderSelection {
  email: string;
  sms: string;
  publicUrl: string;
  /** Every setting as given (validated for built-in providers); module providers validate theirs here. */
  settings: Readonly<Record<string, unknown>>;
  /** Paths of modules exporting `providers: ProviderDefinition[]`. */
  modules: readonly string[];
}

/** A module's definition may leave out what it has no use for. */
type ModuleDefinition = Partial<ProviderDefinition> & Pick<ProviderDefinition, 'name' | 'create'>;

async function loadModules(paths: readonly string[]): Promise<ProviderDefinition[]> {
  const definitions: ProviderDefinition[] = [];
  for (const path of paths) {
    const module = (await importModule(pathToFileURL(resolve(path)).href)) as { providers?: ModuleDefinition[] };
    if (!Array.isArray(module.providers)) {
      throw new CrierError('config_invalid', `CRIER_PROVIDER_MODULES: ${path} exports no "providers" list`);
    }
    for (const d of module.providers) definitions.push({ channels: ['email', 'sms'], settings: z.object({}), secrets: [], ...d });
  }
  return definitions;
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

/** What a chosen provider finds wrong with its settings (the config loader reports these). */
export function settingProblems(definition: ProviderDefinition, settings: Readonly<Record<string, unknown>>, setting: string): SettingProblem[] {
  const parsed = definition.settings.safeParse(settings);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => ({ setting: String(issue.path[0] ?? setting), message: issue.message }));
  }
  return (definition.requires?.(parsed.data) ?? []).map((p) => ({ ...p, message: `${p.message} when ${setting}=${definition.name}` }));
}

export async function createProviders(selection: ProviderSelection, capabilities: ProviderCapabilities, logger: Logger, now: () => number = Date.now): Promise<Providers> {
  const definitions = new Map([...BUILT_IN, ...(await loadModules(selection.modules))].map((d) => [d.name, d]));
  const chosen: Record<Channel, string> = { email: selection.email, sms: selection.sms };
  const made = new Map<string, Provider>();
  const build = (channel: Channel): Provider => {
    const name = chosen[channel];
    const setting = channel === 'email' ? 'CRIER_EMAIL_PROVIDER' : 'CRIER_SMS_PROVIDER';
    const definition = definitions.get(name);
    if (!definition) {
      throw new CrierError('config_invalid', `${setting} = ${name}: no such provider in this installation (known: ${[...definitions.keys()].join(', ')})`);
    }
    if (!definition.channels.includes(channel)) throw new CrierError('config_invalid', `${setting} = ${name}: ${name} cannot send ${channel}`);
    const problems = settingProblems(definition, selection.settings, setting);
    if (problems.length > 0) {
      throw new CrierError('config_invalid', `Invalid configuration:\n  ${problems.map((p) => `${p.setting}: ${p.message}`).join('\n  ')}`, problems);
    }
    const existing = made.get(name);
    if (existing) return existing;
    const provider = definition.create({
      settings: definition.settings.parse(selection.settings),
      publicUrl: selection.publicUrl.replace(/\/+$/, ''),
      channels: (['email', 'sms'] as const).filter((c) => chosen[c] === name),
      capabilities,
      logger: logger.child({ provider: name }),
      now,
    });
    if (!provider.channels.includes(channel)) throw new CrierError('config_invalid', `${setting} = ${name}: ${name} cannot send ${channel}`);
    made.set(name, provider);
    return provider;
  };
  return { email: build('email'), sms: build('sms') };
}

/** Each provider in use once (one may serve both channels). */
export function distinctProviders(providers: Providers): Provider[] {
  return [...new Set(Object.values(providers))];
}
