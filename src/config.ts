// Typed configuration: environment variables, optionally layered over a JSON config file that
// uses the same keys. A bad value stops start-up with a message naming the setting.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import { isCountryCode } from './domain/account-fields.js';
import { CrierError } from './domain/errors.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalText = z.string().trim().min(1).optional();

/** Every setting, by the name it has in the environment. Defaults suit the embedded start. */
const settings = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.string().min(1).default('./data/crier.db'),
    CRIER_PUBLIC_URL: z.url().optional(),
    CRIER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CRIER_EMAIL_PROVIDER: z.enum(['sandbox', 'smtp', 'sendgrid', 'mailgun']).default('sandbox'),
    CRIER_SMS_PROVIDER: z.enum(['sandbox', 'twilio']).default('sandbox'),
    CRIER_EMAIL_FROM: z.string().min(3).default('Crier <crier@localhost>'),
    CRIER_EMAIL_REPLY_TO: optionalText,
    CRIER_DEFAULT_REGION: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 region code in capitals, e.g. CA')
      .refine(isCountryCode, 'is not a region with a telephone numbering plan')
      .default('US'),
    CRIER_IMPORT_MAX_BYTES: positiveInt.default(1024 * 1024 * 1024),
    CRIER_IMPORT_MAX_ROWS: positiveInt.default(2_000_000),
    CRIER_IMPORT_MAX_FIELD_CHARS: positiveInt.default(65_536),
    CRIER_SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
    CRIER_METRICS: bool.default(true),
    SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
    SENDGRID_API_KEY: optionalText,
    SENDGRID_BASE_URL: z.url().default('https://api.sendgrid.com'),
    SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
    MAILGUN_API_KEY: optionalText,
    MAILGUN_DOMAIN: optionalText,
    MAILGUN_BASE_URL: z.url().default('https://api.mailgun.net'),
    MAILGUN_WEBHOOK_SIGNING_KEY: optionalText,
    TWILIO_ACCOUNT_SID: optionalText,
    TWILIO_AUTH_TOKEN: optionalText,
    TWILIO_FROM: optionalText,
    TWILIO_MESSAGING_SERVICE_SID: optionalText,
    TWILIO_BASE_URL: z.url().default('https://api.twilio.com'),
  })
  .superRefine((s, ctx) => {
    const need = (key: keyof typeof s, why: string) => {
      if (s[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `is required ${why}` });
    };
    if (s.CRIER_EMAIL_PROVIDER === 'smtp') need('SMTP_URL', 'when CRIER_EMAIL_PROVIDER=smtp');
    if (s.CRIER_EMAIL_PROVIDER === 'sendgrid') need('SENDGRID_API_KEY', 'when CRIER_EMAIL_PROVIDER=sendgrid');
    if (s.CRIER_EMAIL_PROVIDER === 'mailgun') {
      need('MAILGUN_API_KEY', 'when CRIER_EMAIL_PROVIDER=mailgun');
      need('MAILGUN_DOMAIN', 'when CRIER_EMAIL_PROVIDER=mailgun');
    }
    if (s.CRIER_SMS_PROVIDER === 'twilio') {
      need('TWILIO_ACCOUNT_SID', 'when CRIER_SMS_PROVIDER=twilio');
      need('TWILIO_AUTH_TOKEN', 'when CRIER_SMS_PROVIDER=twilio');
      if (!s.TWILIO_FROM && !s.TWILIO_MESSAGING_SERVICE_SID) {
        ctx.addIssue({
          code: 'custom',
          path: ['TWILIO_FROM'],
          message: 'or TWILIO_MESSAGING_SERVICE_SID is required when CRIER_SMS_PROVIDER=twilio',
        });
      }
    }
  });

export type Settings = z.output<typeof settings>;
export const SETTING_NAMES = Object.keys(settings.shape) as (keyof Settings)[];
/** Settings whose values are never printed or sent back. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  'SMTP_URL',
  'SENDGRID_API_KEY',
  'MAILGUN_API_KEY',
  'MAILGUN_WEBHOOK_SIGNING_KEY',
  'TWILIO_AUTH_TOKEN',
]);

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string;
  logLevel: Settings['CRIER_LOG_LEVEL'];
  defaultRegion: CountryCode;
  imports: { maxBytes: number; maxRows: number; maxFieldChars: number };
  shutdownGraceMs: number;
  metrics: boolean;
  /** Everything as validated, by setting name, for providers and later features. */
  settings: Settings;
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON file with the same keys; CRIER_CONFIG names it, else ./crier.config.json if present. */
  file?: string;
  /** Values from the command line (e.g. --port, --database); they win over both. */
  overrides?: Partial<Record<keyof Settings, string | number>>;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const filePath = sources.file ?? env.CRIER_CONFIG ?? (existsSync('crier.config.json') ? 'crier.config.json' : undefined);
  const fromFile = filePath ? readConfigFile(filePath) : {};
  const raw: Record<string, unknown> = { ...fromFile };
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  for (const [name, value] of Object.entries(sources.overrides ?? {})) {
    if (value !== undefined) raw[name] = String(value);
  }

  const parsed = settings.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(config)');
      const shown = SECRET_SETTINGS.has(name) ? '(hidden)' : JSON.stringify(raw[name]);
      return { setting: name, value: raw[name] === undefined ? undefined : shown, problem: issue.message };
    });
    const lines = problems.map((p) => `${p.setting}${p.value === undefined ? '' : ` = ${p.value}`}: ${p.problem}`);
    throw new CrierError('config_invalid', `Invalid configuration:\n  ${lines.join('\n  ')}`, problems);
  }
  const s = parsed.data;
  return {
    port: s.PORT,
    host: s.HOST,
    databaseUrl: s.DATABASE_URL,
    publicUrl: s.CRIER_PUBLIC_URL ?? `http://localhost:${s.PORT}`,
    logLevel: s.CRIER_LOG_LEVEL,
    defaultRegion: s.CRIER_DEFAULT_REGION as CountryCode,
    imports: {
      maxBytes: s.CRIER_IMPORT_MAX_BYTES,
      maxRows: s.CRIER_IMPORT_MAX_ROWS,
      maxFieldChars: s.CRIER_IMPORT_MAX_FIELD_CHARS,
    },
    shutdownGraceMs: s.CRIER_SHUTDOWN_GRACE_MS,
    metrics: s.CRIER_METRICS,
    settings: s,
  };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CrierError('config_invalid', `Cannot read config file ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CrierError('config_invalid', `Config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CrierError('config_invalid', `Config file ${path} must hold one JSON object of settings`);
  }
  const unknown = Object.keys(data).filter((k) => !(SETTING_NAMES as string[]).includes(k));
  if (unknown.length > 0) {
    throw new CrierError('config_invalid', `Config file ${path} has unknown settings: ${unknown.join(', ')}`);
  }
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]));
}
