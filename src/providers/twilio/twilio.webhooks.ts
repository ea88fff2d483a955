// Twilio's two webhooks: the status callback of each message Crier sent (StatusCallback) and the
// inbound messages of the sending number or Messaging Service (its STOP and START replies). Both
// are form posts signed with the auth token; each is verified before anything is parsed.
import { createHash } from 'node:crypto';
import type { DeliveryEvent, MessageEventKind } from '../../domain/delivery.js';
import type { WebhookEndpoint, WebhookRequest, WebhookVerdict } from '../provider.js';
import { deliveryErrorText, HARD_FAILURES } from './twilio.failures.js';
import { signatureMatches, type Params } from './twilio.signature.js';

const PROVIDER = 'twilio';

/** Twilio's answer to an inbound message: no reply of ours (its Advanced Opt-Out answers STOP and START itself). */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Twilio's default opt-out and opt-in keywords (Advanced Opt-Out), matched whole, any case. */
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const START_WORDS = new Set(['START', 'UNSTOP', 'YES']);

/** Each MessageStatus as a delivery event kind; the precedence of kinds is the intake's. */
const STATUS_KINDS: Readonly<Record<string, MessageEventKind>> = {
  queued: 'accepted',
  accepted: 'accepted',
  scheduled: 'accepted',
  sending: 'accepted',
  sent: 'accepted',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

type Verified = { ok: true; params: Map<string, string> } | { ok: false; verdict: WebhookVerdict };

function verify(authToken: string, request: WebhookRequest): Verified {
  const header = request.headers['x-twilio-signature'];
  const signature = Array.isArray(header) ? header[0] : header;
  if (!signature) return { ok: false, verdict: { ok: false, status: 401, reason: 'missing X-Twilio-Signature header' } };
  const raw: Params = [...new URLSearchParams(request.rawBody.toString('utf8'))];
  if (!signatureMatches(authToken, request.url, raw, signature)) {
    return { ok: false, verdict: { ok: false, status: 403, reason: 'X-Twilio-Signature does not match this URL and body' } };
  }
  return { ok: true, params: new Map(raw) };
}

const bad = (reason: string): WebhookVerdict => ({ ok: false, status: 400, reason });
const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

/** The event a status callback reports; content-keyed, so Twilio's retries and replays are duplicates. */
export function statusEvent(params: ReadonlyMap<string, string>, now: number): DeliveryEvent | string {
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  const status = (params.get('MessageStatus') ?? params.get('SmsStatus'))?.toLowerCase();
  if (!sid || !status) return 'a status callback needs MessageSid and MessageStatus';
  const errorCode = params.get('ErrorCode')?.trim() || undefined;
  // A status Twilio adds later is stored as non-final rather than refused.
  const kind = STATUS_KINDS[status] ?? 'accepted';
  return {
    provider: PROVIDER,
    eventKey: `status:${hash(sid, status, errorCode ?? '')}`,
    providerMessageId: sid,
    kind,
    // Twilio's callbacks carry no time of their own: when it reached Crier is the best there is.
    occurredAt: now,
    ...(kind === 'failed'
      ? { reason: status === 'canceled' ? 'Twilio canceled the message before sending it' : deliveryErrorText(errorCode), hardBounce: errorCode !== undefined && HARD_FAILURES.has(errorCode) }
      : {}),
    payload: Object.fromEntries(params),
  };
}

/** A STOP or START reply, or null for any other text (HELP, answers, chatter). */
export function inboundEvent(params: ReadonlyMap<string, string>, now: number): DeliveryEvent | null | string {
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  const from = params.get('From');
  if (!sid || !from) return 'an inbound message needs MessageSid and From';
  const word = (params.get('Body') ?? '').trim().toUpperCase();
  // With Advanced Opt-Out Twilio names the keyword's type itself (custom keywords included).
  const optOut = params.get('OptOutType')?.toUpperCase();
  const kind = optOut === 'STOP' || STOP_WORDS.has(word) ? 'stop' : optOut === 'START' || START_WORDS.has(word) ? 'start' : null;
  if (!kind) return null;
  return { provider: PROVIDER, eventKey: `inbound:${sid}`, kind, phone: from, occurredAt: now, payload: Object.fromEntries(params) };
}

export function twilioWebhooks(authToken: string): WebhookEndpoint[] {
  return [
    {
      path: 'twilio/status',
      async handle(request) {
        const verified = verify(authToken, request);
        if (!verified.ok) return verified.verdict;
        const event = statusEvent(verified.params, request.now);
        if (typeof event === 'string') return bad(event);
        return { ok: true, events: [event] };
      },
    },
    {
      path: 'twilio/inbound',
      async handle(request) {
        const verified = verify(authToken, request);
        if (!verified.ok) return verified.verdict;
        const event = inboundEvent(verified.params, request.now);
        if (typeof event === 'string') return bad(event);
        return { ok: true, events: event ? [event] : [], reply: { contentType: 'text/xml', body: EMPTY_TWIML } };
      },
    },
  ];
}
