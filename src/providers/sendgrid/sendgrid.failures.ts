// SendGrid's answers to mail/send as the engine must act on them (domain/failure.ts): 400 is
// the request's fault (permanent), 401/403 the account's (the breaker holds the provider), 429
// and 5xx pass. The operator reads SendGrid's own error text, never the key.
import type { ProviderFailure } from '../provider.js';

export interface SendGridAnswer {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

interface SendGridError {
  message?: unknown;
  field?: unknown;
}

/** SendGrid's `errors[].message`, each with its field, joined; null when the body has none. */
export function errorText(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return null;
  const parts = (errors as SendGridError[])
    .filter((e) => e !== null && typeof e === 'object' && typeof e.message === 'string')
    .map((e) => (typeof e.field === 'string' && e.field !== '' ? `${e.field}: ${String(e.message)}` : String(e.message)));
  return parts.length > 0 ? parts.join('; ') : null;
}

function header(headers: SendGridAnswer['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** When SendGrid said to come back: X-RateLimit-Reset (epoch seconds), else Retry-After (seconds or a date). */
export function retryAfterMs(headers: SendGridAnswer['headers'], now: number): number | undefined {
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  if (header(headers, 'x-ratelimit-reset') !== undefined && Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Removes the key from text that came from outside (an error body may echo a header). */
export function hideSecret(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('(hidden)');
}

const UNVERIFIED_SENDER = /verified Sender Identity/i;

/** The failure of a mail/send answer that is not 2xx (413 is split by the caller first). */
export function failureOf(answer: SendGridAnswer, now: number, secret: string): ProviderFailure {
  const { status } = answer;
  const said = errorText(answer.body);
  const text = hideSecret(said ?? `HTTP ${status}`, secret);
  const code = `http_${status}`;
  if (status === 400) return { kind: 'permanent', code, message: `SendGrid refused the message: ${text}` };
  if (status === 401) return { kind: 'unavailable', code, message: `SendGrid answers 401 (check SENDGRID_API_KEY): ${text}` };
  if (status === 403) {
    if (said && UNVERIFIED_SENDER.test(said)) {
      return { kind: 'unavailable', code: 'sendgrid_unverified_sender', message: `SendGrid answers 403: the sender (CRIER_EMAIL_FROM) is not a verified Sender Identity: ${text}` };
    }
    return { kind: 'unavailable', code, message: `SendGrid answers 403 (does the API key have the mail.send permission?): ${text}` };
  }
  if (status === 413) return { kind: 'permanent', code, message: `SendGrid answers 413: the message is too large to send (${text})` };
  if (status === 429) {
    const after = retryAfterMs(answer.headers, now);
    return { kind: 'rate_limited', code, message: `SendGrid answers 429 (rate limit of the plan): ${text}`, ...(after === undefined ? {} : { retryAfterMs: after }) };
  }
  if (status >= 500) {
    const after = retryAfterMs(answer.headers, now);
    return { kind: 'transient', code, message: `SendGrid answers ${status}: ${text}`, ...(after === undefined ? {} : { retryAfterMs: after }) };
  }
  return { kind: 'permanent', code, message: `SendGrid answers ${status}: ${text}` };
}

/** A request that got no answer (refused connection, reset, timeout): it may be tried again. */
export function networkFailure(err: unknown, secret: string): ProviderFailure {
  const e = err as { code?: unknown; message?: unknown };
  const detail = typeof e.code === 'string' ? e.code : 'error';
  return { kind: 'transient', code: 'network', message: hideSecret(`no answer from SendGrid (${detail}): ${String(e.message ?? err)}`, secret) };
}
