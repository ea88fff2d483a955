// How Twilio's answers to "create a Message" become the engine's failure kinds. Twilio answers
// errors as JSON {code, message, more_info, status}; its `code` decides more than the HTTP status.
import type { ProviderFailure } from '../provider.js';

/** Twilio's error body (https://www.twilio.com/docs/usage/twilios-response). */
export interface TwilioErrorBody {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

/** The recipient replied STOP to this sender: Twilio refuses every message to them until START. */
export const UNSUBSCRIBED_RECIPIENT = 21610;
export const AUTHENTICATION_FAILED = 20003;
export const TOO_MANY_REQUESTS = 20429;
/** The 'To' number is not a valid phone number. */
export const INVALID_TO = 21211;
/** The 'To' number is not a mobile number. */
export const NOT_MOBILE = 21614;

export interface HttpAnswer {
  status: number;
  body: TwilioErrorBody | null;
  retryAfterMs?: number;
}

/** The failure of a request Twilio answered with an error (any status but 201). */
export function failureOf(answer: HttpAnswer): ProviderFailure {
  const { status, body } = answer;
  const code = typeof body?.code === 'number' ? body.code : undefined;
  const text = body?.message?.trim() || `HTTP ${status}`;
  const retry = answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs };
  if (code === AUTHENTICATION_FAILED || status === 401) {
    // Bad SID or token: every message would fail alike, so the circuit breaker holds the provider.
    return { kind: 'unavailable', code: `twilio_${AUTHENTICATION_FAILED}`, message: 'Twilio authentication failed (20003): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN' };
  }
  if (code === TOO_MANY_REQUESTS || status === 429) {
    return { kind: 'rate_limited', code: code === undefined ? 'http_429' : `twilio_${code}`, message: `Twilio: ${text}`, ...retry };
  }
  if (status >= 500) return { kind: 'transient', code: `http_${status}`, message: `Twilio answered ${status}: ${text}`, ...retry };
  if (code === INVALID_TO) return { kind: 'permanent', code: 'twilio_21211', message: `Twilio 21211: ${text}` };
  if (code === NOT_MOBILE) return { kind: 'permanent', code: 'twilio_21614', message: `Twilio 21614: ${text}` };
  if (code === UNSUBSCRIBED_RECIPIENT) return { kind: 'permanent', code: 'twilio_21610', message: `Twilio 21610: the recipient replied STOP to this sender (${text})` };
  // Any other refusal (unverified number on a trial account, a sender not allowed to send there, …)
  // would be refused again: fail the message with Twilio's own words.
  return { kind: 'permanent', code: code === undefined ? `http_${status}` : `twilio_${code}`, message: code === undefined ? `Twilio answered ${text}` : `Twilio ${code}: ${text}` };
}

/** Retry-After as seconds or an HTTP date, in ms from `now`. */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * What common delivery ErrorCodes of a status callback mean (Twilio's error dictionary, 30xxx),
 * for the delivery error an operator reads. Twilio does not send this text with the callback.
 */
export const DELIVERY_ERRORS: Readonly<Record<string, string>> = {
  '30001': 'Queue overflow',
  '30002': 'Account suspended',
  '30003': 'Unreachable destination handset',
  '30004': 'Message blocked',
  '30005': 'Unknown destination handset',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Message filtered by the carrier',
  '30008': 'Unknown error',
  '30009': 'Missing segment',
  '30010': 'Message price exceeds max price',
  '30032': 'Toll-free number has not been verified',
  '30034': 'Message from an unregistered number (US A2P 10DLC)',
  '30036': 'Validity period expired',
};

/**
 * The number does not exist (30005) or cannot take SMS (30006: a landline): sending again fails
 * again, so the number is suppressed like an email hard bounce (an operator can lift it). The
 * others (off, out of coverage, filtered, expired) say nothing lasting about the number.
 */
export const HARD_FAILURES: ReadonlySet<string> = new Set(['30005', '30006']);

export function deliveryErrorText(errorCode: string | undefined): string {
  if (!errorCode) return 'Twilio reported the message undelivered (no error code)';
  return `Twilio error ${errorCode}: ${DELIVERY_ERRORS[errorCode] ?? 'see https://www.twilio.com/docs/api/errors/' + errorCode}`;
}
