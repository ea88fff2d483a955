// The process's structured log: pino, with the values of secret-bearing fields replaced.
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

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
  return pino({ level: config.logLevel, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, destination);
}

