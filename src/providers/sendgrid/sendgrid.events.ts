// SendGrid's Event Webhook body (a JSON array of events) as Crier's delivery events. Custom
// arguments come back as top-level fields of each event, so `crier_message_id` names the message;
// the request id is the part of `sg_message_id` before its first '.', the X-Message-Id the send
// answer gave. Engagement events (open, click) and account events are not stored.
import { createHash } from 'node:crypto';
import type { MessageEvent, MessageEventKind } from '../../domain/delivery.js';
import type { WebhookVerdict } from '../provider.js';

export const PROVIDER = 'sendgrid';

type SendGridEvent = Record<string, unknown>;

interface Mapped {
  kind: MessageEventKind;
  hardBounce?: boolean;
  failure?: boolean;
}

const ACCEPTED: Mapped = { kind: 'accepted' };
const DELIVERED: Mapped = { kind: 'delivered' };

function mapEvent(e: SendGridEvent): Mapped | null {
  switch (e.event) {
    case 'processed':
    case 'deferred':
      return ACCEPTED;
    case 'delivered':
      return DELIVERED;
    case 'bounce':
      // `type` tells a bounce (the address does not exist: suppress it) from a block (refused for now).
      return { kind: 'failed', hardBounce: e.type !== 'blocked', failure: true };
    case 'dropped':
      return { kind: 'failed', hardBounce: false, failure: true };
    case 'spamreport':
      return { kind: 'complaint' };
    case 'unsubscribe':
    case 'group_unsubscribe':
      return { kind: 'unsubscribed' };
    default:
      return null;
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : typeof value === 'number' ? String(value) : undefined);

/** SendGrid's own words for a failure: the bounce or drop reason, else the SMTP response. */
function reasonOf(e: SendGridEvent): string {
  const reason = text(e.reason) ?? text(e.response);
  const status = text(e.status);
  if (reason) return status && !reason.includes(status) ? `${reason} (${status})` : reason;
  return `SendGrid ${String(e.event)}${typeof e.type === 'string' ? ` (${e.type})` : ''}`;
}

/** The event's own id; an event without one gets a hash of its content (deterministic). */
function eventKey(e: SendGridEvent): string {
  return text(e.sg_event_id) ?? `sha256:${createHash('sha256').update(JSON.stringify(e)).digest('base64url')}`;
}

/** Crier's own id of the message, from the custom argument (when it is one). */
function crierId(id: string | undefined): number | undefined {
  if (id === undefined || id.length > 15) return undefined;
  const n = Number(id);
  return Number.isSafeInteger(n) && n > 0 && String(n) === id ? n : undefined;
}

export function providerMessageId(sgMessageId: string | undefined, crierMessageId: string | undefined): string {
  const dot = sgMessageId?.indexOf('.') ?? -1;
  const requestId = sgMessageId === undefined ? '' : dot < 0 ? sgMessageId : sgMessageId.slice(0, dot);
  return `${requestId}#${crierMessageId ?? ''}`;
}

/** The events of a verified body; 400 when it is not SendGrid's JSON array of event objects. */
export function parseEvents(rawBody: Buffer, now: number): WebhookVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  if (!Array.isArray(parsed)) return { ok: false, status: 400, reason: 'the body is not a JSON array of events' };
  const events: MessageEvent[] = [];
  for (let n = 0; n < parsed.length; n++) {
    const item: unknown = parsed[n];
    if (item === null || typeof item !== 'object' || Array.isArray(item) || typeof (item as SendGridEvent).event !== 'string') {
      return { ok: false, status: 400, reason: `event ${n} is not an object with an "event" field` };
    }
    const e = item as SendGridEvent;
    const mapped = mapEvent(e);
    if (!mapped) continue;
    const seconds = Number(e.timestamp);
    const crierMessageId = text(e.crier_message_id);
    // Built field by field (no spreads): a post brings a thousand of these.
    const event: MessageEvent = {
      provider: PROVIDER,
      eventKey: eventKey(e),
      providerMessageId: providerMessageId(text(e.sg_message_id), crierMessageId),
      kind: mapped.kind,
      occurredAt: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : now,
      payload: e,
    };
    const messageId = crierId(crierMessageId);
    if (messageId !== undefined) event.messageId = messageId;
    if (mapped.hardBounce !== undefined) event.hardBounce = mapped.hardBounce;
    if (mapped.failure) event.reason = reasonOf(e);
    events.push(event);
  }
  return { ok: true, events };
}
