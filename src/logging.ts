// The process's structured log: pino, with the values of secret-bearing fields replaced. JSON
// lines for files and pipes; on a terminal, one short human line per record.
import { isatty } from 'node:tty';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { LOG_SERIALIZERS } from './log-redaction.js';

/** Paths in log records that may hold secrets; pino replaces their values. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'req.headers["x-csrf-token"]',
  '*.password',
  '*.passwordHash',
  '*.password_hash',
  '*.token',
  '*.token_hash',
  '*.csrfToken',
  '*.sessionId',
  '*.apiKey',
];

export function createLogger(config: Config, destination?: pino.DestinationStream): Logger {
  const options = { level: config.logLevel, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS };
  if (destination) return pino(options, destination);
  if (logFormat(config.logFormat) === 'json') return pino(options);
  // Straight to file descriptor 1, as pino's default is: a sender thread writes there too.
  const out = pino.destination(1);
  return pino(options, { write: (line: string) => out.write(humanLine(line)) });
}

/**
 * What CRIER_LOG_FORMAT means here: `auto` is text when standard output is a terminal, JSON when
 * it is a file or a pipe. Decided on file descriptor 1 itself, so that a thread decides as the
 * main thread does.
 */
export function logFormat(setting: Config['logFormat'], terminal: boolean = isatty(1)): 'json' | 'text' {
  if (setting === 'json' || setting === 'text') return setting;
  return terminal ? 'text' : 'json';
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v', 'err', 'req', 'res']);

/** One JSON log record as a line a person reads: time, level, message, then its fields; an error's stack below. */
export function humanLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(typeof record.time === 'number' ? record.time : Date.now()).toTimeString().slice(0, 8);
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5);
  const parts = [time, level, String(record.msg ?? '')];
  const req = record.req as { method?: string; url?: string } | undefined;
  if (req?.method) parts.push(`${req.method} ${req.url ?? ''}`);
  const res = record.res as { statusCode?: number } | undefined;
  if (res?.statusCode) parts.push(String(res.statusCode));
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    parts.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  const err = record.err as { stack?: string; message?: string } | undefined;
  const below = err ? `\n    ${(err.stack ?? err.message ?? JSON.stringify(err)).replace(/\n/g, '\n    ')}` : '';
  return `${parts.filter((p) => p !== '').join(' ')}${below}\n`;
}

