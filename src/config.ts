// Typed configuration: environment variables, optionally layered over a JSON config file that
// uses the same keys. A bad value stops start-up with a message naming the setting.
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import { DEFAULT_ATTRIBUTE_LIMITS, type AttributeLimits } from './domain/account-attributes.js';
import { isCountryCode } from './domain/account-fields.js';
import { CrierError } from './domain/errors.js';
import { BUILT_IN, settingProblems } from './providers/registry.js';
import { DEFAULT_DATABASE_URL, databaseUrlProblem, hidePassword } from './store/location.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalText = z.string().trim().min(1).optional();
/** Whether to believe X-Forwarded-* headers: yes/no, or the proxies' addresses (comma-separated). */
const trustProxy = z
  .string()
  .trim()
  .min(1)
  .transform((v): boolean | string[] => {
    const lower = v.toLowerCase();
    if (['true', 'yes', '1'].includes(lower)) return true;
    if (['false', 'no', '0'].includes(lower)) return false;
    return v.split(',').map((a) => a.trim()).filter((a) => a !== '');
  })
  .superRefine((v, ctx) => {
    // Fastify would throw a bare TypeError at start-up for anything else.
    const wrong = Array.isArray(v) ? v.filter((entry) => !isProxyAddress(entry)) : [];
    if (wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be true, false, or the proxies' IP addresses or CIDRs (or loopback, linklocal, uniquelocal), comma-separated; not ${wrong.map((w) => JSON.stringify(w)).join(', ')}`,
      });
    }
  });

/** An address, CIDR or netmask range, or a name, as Fastify's proxy-addr understands them. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d+$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/** Every setting, by the name it has in the environment. Defaults suit the embedded start. */
const settings = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .min(1)
      .superRefine((url, ctx) => {
        const problem = databaseUrlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_DATABASE_URL),
    CRIER_PUBLIC_URL: z.url().optional(),
    CRIER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CRIER_LOG_FORMAT: z.enum(['auto', 'json', 'text']).default('auto'),
    // Built in: those of providers/registry.ts; other names come from CRIER_PROVIDER_MODULES.
    CRIER_EMAIL_PROVIDER: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be a provider name such as sandbox or sendgrid').default('sandbox'),
    CRIER_SMS_PROVIDER: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be a provider name such as sandbox or twilio').default('sandbox'),
    CRIER_EMAIL_FROM: z.string().min(3).default('Crier <crier@localhost>'),
    CRIER_EMAIL_REPLY_TO: optionalText,
    // A mailbox someone (or a rule) reads: List-Unsubscribe then offers mail beside the https link.
    CRIER_UNSUBSCRIBE_MAILTO: z.email('must be an email address such as unsubscribe@isp.example').optional(),
    CRIER_DEFAULT_REGION: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 region code in capitals, e.g. CA')
      .refine(isCountryCode, 'is not a region with a telephone numbering plan')
      .default('US'),
    CRIER_IMPORT_MAX_BYTES: positiveInt.default(1024 * 1024 * 1024),
    CRIER_IMPORT_MAX_ROWS: positiveInt.default(2_000_000),
    CRIER_IMPORT_MAX_FIELD_CHARS: positiveInt.default(65_536),
    CRIER_ACCOUNT_MAX_ATTRIBUTES: positiveInt.default(DEFAULT_ATTRIBUTE_LIMITS.maxAttributes),
    CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES: positiveInt.default(DEFAULT_ATTRIBUTE_LIMITS.maxAttributeBytes),
    CRIER_ACCOUNT_MAX_ATTRIBUTES_TOTAL_BYTES: positiveInt.default(DEFAULT_ATTRIBUTE_LIMITS.maxTotalBytes),
    CRIER_SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
    CRIER_SMS_SEGMENT_WARNING: positiveInt.default(3),
    CRIER_RENDER_LIMIT_MS: positiveInt.default(50),
    CRIER_PREVIEWS_PER_USER: positiveInt.default(2),
    CRIER_SENDER: bool.default(true),
    CRIER_EMAIL_RATE_LIMIT: z.coerce.number().nonnegative().default(0),
    CRIER_SMS_RATE_LIMIT: z.coerce.number().nonnegative().default(0),
    CRIER_EMAIL_CONCURRENCY: positiveInt.optional(),
    CRIER_SMS_CONCURRENCY: positiveInt.optional(),
    CRIER_SEND_BATCHES_IN_FLIGHT: positiveInt.default(4),
    CRIER_SEND_MAX_ATTEMPTS: positiveInt.default(6),
    CRIER_SEND_RETRY_BASE_MS: positiveInt.default(2000),
    CRIER_SEND_RETRY_MAX_MS: positiveInt.default(600_000),
    CRIER_LEASE_SECONDS: positiveInt.default(60),
    CRIER_CIRCUIT_OPEN_AFTER_SECONDS: positiveInt.default(30),
    CRIER_CIRCUIT_PROBE_SECONDS: positiveInt.default(15),
    CRIER_EXPANSION_CHUNK: positiveInt.default(20_000),
    CRIER_DELIVERY_REPORT_HOURS: positiveInt.default(72),
    CRIER_PROVIDER_MODULES: z.string().optional(),
    CRIER_METRICS: bool.default(true),
    CRIER_METRICS_TOKEN: optionalText,
    CRIER_TRUST_PROXY: trustProxy.default(false),
    CRIER_SECURE_COOKIES: bool.default(false),
    CRIER_SESSION_IDLE_MINUTES: positiveInt.default(30),
    CRIER_SESSION_MAX_HOURS: positiveInt.default(12),
    CRIER_LOGIN_MAX_FAILURES: positiveInt.default(5),
    CRIER_LOGIN_LOCKOUT_MINUTES: positiveInt.default(15),
    CRIER_LOGIN_ACCOUNT_DELAY_SECONDS: positiveInt.default(60),
    CRIER_LOGIN_RATE_LIMIT: positiveInt.default(10),
    CRIER_UNSUBSCRIBE_RATE_LIMIT: positiveInt.default(120),
  });

/** The settings, providers' included (typed as unknown: each provider reads its own). */
export type Settings = z.output<typeof settings> & Readonly<Record<string, unknown>>;
/** Each provider declares its own settings (providers/<name>/index.ts); the loader validates them all. */
const PROVIDER_SETTING_NAMES = [...new Set(BUILT_IN.flatMap((p) => Object.keys(p.settings.shape)))];
export const SETTING_NAMES = [...new Set([...Object.keys(settings.shape), ...PROVIDER_SETTING_NAMES])] as (keyof Settings & string)[];

/**
 * Every provider's settings, validated from the same raw values whether or not it is chosen (a
 * typo stops start-up either way), and what each chosen provider requires.
 */
function providerSettings(raw: Record<string, unknown>, chosen: readonly [setting: string, name: unknown][]) {
  const problems: { setting: string; message: string }[] = [];
  const values: Record<string, unknown> = {};
  for (const definition of BUILT_IN) {
    const parsed = definition.settings.safeParse(raw);
    if (parsed.success) Object.assign(values, parsed.data);
    else problems.push(...parsed.error.issues.map((issue) => ({ setting: String(issue.path[0] ?? definition.name), message: issue.message })));
  }
  for (const [setting, name] of chosen) {
    const definition = BUILT_IN.find((p) => p.name === name);
    // A name no built-in has may come from CRIER_PROVIDER_MODULES: checked when the modules load.
    if (definition) problems.push(...settingProblems(definition, raw, setting));
  }
  // One problem once, though two providers declare the same setting.
  const unique = new Map(problems.map((p) => [`${p.setting}\u0000${p.message}`, p]));
  return { values, problems: [...unique.values()] };
}
/** Settings whose values are never printed or sent back. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set(['CRIER_METRICS_TOKEN', ...BUILT_IN.flatMap((p) => p.secrets)]);

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string;
  logLevel: Settings['CRIER_LOG_LEVEL'];
  /** `auto`: human lines on a terminal, JSON lines for files and pipes (see logging.ts). */
  logFormat: Settings['CRIER_LOG_FORMAT'];
  defaultRegion: CountryCode;
  imports: { maxBytes: number; maxRows: number; maxFieldChars: number };
  /** What one account may carry in attributes; an import beyond it is refused whole. */
  accountAttributes: AttributeLimits;
  shutdownGraceMs: number;
  /** Review warns when an SMS takes more segments than this. */
  smsSegmentWarning: number;
  /**
   * Rendering: milliseconds one message may take, all its fields together (the sender, previews
   * and the review alike); and previews, test sends and reviews one user may have in flight.
   */
  render: { limitMs: number; previewsPerUser: number };
  sending: SendingConfig;
  metrics: boolean;
  /** When set, GET /metrics asks for `Authorization: Bearer <this>`. */
  metricsToken: string | undefined;
  /**
   * Unsubscribe requests per minute from one address. Generous: one-click unsubscribes come from
   * the mailbox providers' own servers, many recipients behind few addresses.
   */
  unsubscribesPerMinute: number;
  /** Behind a TLS-terminating proxy: trust its X-Forwarded-* headers; always mark cookies Secure. */
  http: { trustProxy: boolean | string[]; secureCookies: boolean };
  auth: {
    sessionIdleMs: number;
    sessionMaxMs: number;
    /**
     * Wrong passwords in a row (per account, per address) before each attempt must wait, 1 s
     * and doubling; the longest wait for one address, and the shorter one for an account, so
     * nobody can keep its owner out for long.
     */
    maxFailedSignIns: number;
    addressMaxDelayMs: number;
    accountMaxDelayMs: number;
    /** Sign-in attempts per minute from one address. */
    signInsPerMinute: number;
  };
  /** Everything as validated, by setting name, for providers and later features. */
  settings: Settings;
  /** The settings as given (file, environment, command line), before validation: providers parse theirs from these. */
  raw: Readonly<Record<string, string>>;
  /** The environment it was loaded from: providers from CRIER_PROVIDER_MODULES read their settings there. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface SendingConfig {
  /** Whether `crier serve` runs the sender too (the embedded default). */
  inServe: boolean;
  /** Messages per second per channel across all workers; 0 keeps the provider's own limit. */
  rateLimit: { email: number; sms: number };
  /** Requests in flight per worker per channel; undefined keeps the provider's own. */
  concurrency: { email: number | undefined; sms: number | undefined };
  batchesInFlight: number;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  leaseMs: number;
  breaker: { openAfterMs: number; probeEveryMs: number };
  expansionChunk: number;
  /** After this long without a final report, a sent message's delivery state is "no report". */
  deliveryReportMs: number;
  /** Extra provider modules (paths), each exporting `providers: { name, create(deps) }[]`. */
  providerModules: string[];
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
  const fromProviders = providerSettings(raw, [
    ['CRIER_EMAIL_PROVIDER', raw.CRIER_EMAIL_PROVIDER ?? 'sandbox'],
    ['CRIER_SMS_PROVIDER', raw.CRIER_SMS_PROVIDER ?? 'sandbox'],
  ]);
  if (!parsed.success || fromProviders.problems.length > 0) {
    const issues = [
      ...(parsed.success ? [] : parsed.error.issues.map((issue) => ({ setting: String(issue.path[0] ?? '(config)'), message: issue.message }))),
      ...fromProviders.problems,
    ];
    const problems = issues.map((issue) => {
      const name = issue.setting;
      // A URL's password (DATABASE_URL, SMTP_URL) is hidden even where the setting is not secret.
      const shown = SECRET_SETTINGS.has(name) ? '(hidden)' : JSON.stringify(hidePassword(String(raw[name])));
      return { setting: name, value: raw[name] === undefined ? undefined : shown, problem: issue.message };
    });
    const lines = problems.map((p) => `${p.setting}${p.value === undefined ? '' : ` = ${p.value}`}: ${p.problem}`);
    // One problem, one line; several, one line each.
    const message = lines.length === 1 ? `Invalid configuration: ${lines[0]}` : `Invalid configuration:\n  ${lines.join('\n  ')}`;
    throw new CrierError('config_invalid', message, problems);
  }
  const s: Settings = { ...fromProviders.values, ...parsed.data };
  return {
    port: s.PORT,
    host: s.HOST,
    databaseUrl: s.DATABASE_URL,
    publicUrl: s.CRIER_PUBLIC_URL ?? `http://localhost:${s.PORT}`,
    logLevel: s.CRIER_LOG_LEVEL,
    logFormat: s.CRIER_LOG_FORMAT,
    defaultRegion: s.CRIER_DEFAULT_REGION as CountryCode,
    imports: {
      maxBytes: s.CRIER_IMPORT_MAX_BYTES,
      maxRows: s.CRIER_IMPORT_MAX_ROWS,
      maxFieldChars: s.CRIER_IMPORT_MAX_FIELD_CHARS,
    },
    accountAttributes: {
      maxAttributes: s.CRIER_ACCOUNT_MAX_ATTRIBUTES,
      maxAttributeBytes: s.CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES,
      maxTotalBytes: s.CRIER_ACCOUNT_MAX_ATTRIBUTES_TOTAL_BYTES,
    },
    shutdownGraceMs: s.CRIER_SHUTDOWN_GRACE_MS,
    smsSegmentWarning: s.CRIER_SMS_SEGMENT_WARNING,
    render: { limitMs: s.CRIER_RENDER_LIMIT_MS, previewsPerUser: s.CRIER_PREVIEWS_PER_USER },
    sending: {
      inServe: s.CRIER_SENDER,
      rateLimit: { email: s.CRIER_EMAIL_RATE_LIMIT, sms: s.CRIER_SMS_RATE_LIMIT },
      concurrency: { email: s.CRIER_EMAIL_CONCURRENCY, sms: s.CRIER_SMS_CONCURRENCY },
      batchesInFlight: s.CRIER_SEND_BATCHES_IN_FLIGHT,
      retry: { maxAttempts: s.CRIER_SEND_MAX_ATTEMPTS, baseDelayMs: s.CRIER_SEND_RETRY_BASE_MS, maxDelayMs: s.CRIER_SEND_RETRY_MAX_MS },
      leaseMs: s.CRIER_LEASE_SECONDS * 1000,
      breaker: { openAfterMs: s.CRIER_CIRCUIT_OPEN_AFTER_SECONDS * 1000, probeEveryMs: s.CRIER_CIRCUIT_PROBE_SECONDS * 1000 },
      expansionChunk: s.CRIER_EXPANSION_CHUNK,
      deliveryReportMs: s.CRIER_DELIVERY_REPORT_HOURS * 3_600_000,
      providerModules: (s.CRIER_PROVIDER_MODULES ?? '').split(',').map((m) => m.trim()).filter(Boolean),
    },
    metrics: s.CRIER_METRICS,
    metricsToken: s.CRIER_METRICS_TOKEN,
    unsubscribesPerMinute: s.CRIER_UNSUBSCRIBE_RATE_LIMIT,
    http: { trustProxy: s.CRIER_TRUST_PROXY, secureCookies: s.CRIER_SECURE_COOKIES },
    auth: {
      sessionIdleMs: s.CRIER_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: s.CRIER_SESSION_MAX_HOURS * 3_600_000,
      maxFailedSignIns: s.CRIER_LOGIN_MAX_FAILURES,
      addressMaxDelayMs: s.CRIER_LOGIN_LOCKOUT_MINUTES * 60_000,
      accountMaxDelayMs: s.CRIER_LOGIN_ACCOUNT_DELAY_SECONDS * 1000,
      signInsPerMinute: s.CRIER_LOGIN_RATE_LIMIT,
    },
    settings: s,
    raw: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)])),
    env,
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
