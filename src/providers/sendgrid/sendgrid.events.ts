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

function mapEvent(e: SendGridEvent): Mapped | null {
  switch (e.event) {
    case 'processed':
    case 'deferred':
      return { kind: 'accepted' };
    case 'delivered':
      return { kind: 'delivered' };
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
function crierId(e: SendGridEvent): { messageId?: number } {
  const id = text(e.crier_message_id);
  return id && /^\d+$/.test(id) ? { messageId: Number(id) } : {};
}

export function providerMessageId(sgMessageId: string | undefined, crierMessageId: string | undefined): string {
  const requestId = sgMessageId?.split('.')[0] ?? '';
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
  for (const [n, item] of parsed.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item) || typeof (item as SendGridEvent).event !== 'string') {
      return { ok: false, status: 400, reason: `event ${n} is not an object with an "event" field` };
    }
    const e = item as SendGridEvent;
    const mapped = mapEvent(e);
    if (!mapped) continue;
    const seconds = Number(e.timestamp);
    events.push({
      provider: PROVIDER,
      eventKey: eventKey(e),
      providerMessageId: providerMessageId(text(e.sg_message_id), text(e.crier_message_id)),
      ...crierId(e),
      kind: mapped.kind,
      ...(mapped.hardBounce === undefined ? {} : { hardBounce: mapped.hardBounce }),
      occurredAt: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : now,
      ...(mapped.failure ? { reason: reasonOf(e) } : {}),
      payload: e,
    });
  }
  return { ok: true, events };
}
