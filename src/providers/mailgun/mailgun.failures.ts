// Mailgun's answers as the engine must act on them (domain/failure.ts). Messages are the
// operator's to read: Mailgun's own text where it gave one, never the key.
import type { ProviderFailure } from '../provider.js';
import type { MailgunAnswer } from './mailgun.client.js';

/** Mailgun's error body: `{"message": "…"}` (401 answers plain text "Forbidden"). */
export function mailgunMessage(answer: MailgunAnswer): string {
  try {
    const parsed = JSON.parse(answer.text) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message !== '') return parsed.message;
  } catch {
    // Not JSON: the text itself, shortened.
  }
  return answer.text.trim().slice(0, 300);
}

function header(answer: MailgunAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * When Mailgun said to come back: Retry-After (seconds or an HTTP date), else X-RateLimit-Reset
 * (an epoch in seconds or milliseconds, or seconds from now when small).
 */
export function retryAfterMs(answer: MailgunAnswer, now: number): number | undefined {
  const retryAfter = header(answer, 'retry-after');
  if (retryAfter !== undefined && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = Number(header(answer, 'x-ratelimit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  if (reset > 1e12) return Math.max(0, reset - now);
  if (reset > 1e9) return Math.max(0, reset * 1000 - now);
  return Math.round(reset * 1000);
}

export type SendVerdict =
  | { kind: 'queued'; id: string }
  /** 413, or a 400 that names a recipient: the request is split and each half sent again. */
  | { kind: 'split'; failure: ProviderFailure }
  | { kind: 'failed'; failure: ProviderFailure };

/** A 400 that is about one of the addresses, not the whole message: worth isolating the address. */
const RECIPIENT_PROBLEM = /'to'|\brecipient/i;

export function sendVerdict(
  answer: MailgunAnswer,
  context: { domain: string; now: number; redact: (text: string) => string },
): SendVerdict {
  const { status } = answer;
  const said = context.redact(mailgunMessage(answer));
  const failed = (failure: ProviderFailure): SendVerdict => ({ kind: 'failed', failure });
  if (status === 200) {
    try {
      const { id } = JSON.parse(answer.text) as { id?: unknown };
      if (typeof id === 'string' && id !== '')
        return { kind: 'queued', id: id.replace(/^<|>$/g, '') };
    } catch {
      // Falls through: an answer without an id cannot be matched to its events.
    }
    // Sent, perhaps, but unmatchable: retried (Mailgun answers 200 "Mailgun Magnificent API" on a wrong base URL).
    return failed({
      kind: 'transient',
      code: 'mailgun_no_id',
      message: `Mailgun answered 200 without a message id (${said}): check MAILGUN_BASE_URL`,
    });
  }
  if (status === 400) {
    const failure: ProviderFailure = {
      kind: 'permanent',
      code: 'http_400',
      message: `Mailgun refused the message: ${said}`,
    };
    return RECIPIENT_PROBLEM.test(said) ? { kind: 'split', failure } : failed(failure);
  }
  if (status === 401) {
    return failed({
      kind: 'unavailable',
      code: 'http_401',
      message:
        'Mailgun refused the API key (401): check MAILGUN_API_KEY and the region (MAILGUN_BASE_URL)',
    });
  }
  if (status === 402 || status === 403) {
    return failed({
      kind: 'unavailable',
      code: `http_${status}`,
      message: `Mailgun refused to send (${status}): the account or the domain ${context.domain} is disabled or not allowed to send${said ? ` — Mailgun: ${said}` : ''}`,
    });
  }
  if (status === 404) {
    return failed({
      kind: 'unavailable',
      code: 'http_404',
      message: `Mailgun does not know the domain ${context.domain} (404): check MAILGUN_DOMAIN and the region (MAILGUN_BASE_URL / MAILGUN_REGION)${said ? ` — Mailgun: ${said}` : ''}`,
    });
  }
  if (status === 413)
    return {
      kind: 'split',
      failure: {
        kind: 'permanent',
        code: 'http_413',
        message: 'Mailgun refused the message as too large (413)',
      },
    };
  if (status === 429) {
    const wait = retryAfterMs(answer, context.now);
    return failed({
      kind: 'rate_limited',
      code: 'http_429',
      message: `Mailgun rate limit reached (429)${said ? `: ${said}` : ''}`,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (status >= 500 || status === 408)
    return failed({
      kind: 'transient',
      code: `http_${status}`,
      message: `Mailgun answered ${status}${said ? `: ${said}` : ''}`,
    });
  return failed({
    kind: 'permanent',
    code: `http_${status}`,
    message: `Mailgun answered ${status}${said ? `: ${said}` : ''}`,
  });
}

export function networkFailure(err: unknown, redact: (text: string) => string): ProviderFailure {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' && e.code.includes('TIMEOUT') ? 'timeout' : 'network';
  return {
    kind: 'transient',
    code,
    message: `Mailgun could not be reached: ${redact(String(e.message ?? err))}`,
  };
}
