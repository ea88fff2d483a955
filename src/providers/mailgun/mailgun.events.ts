// One Mailgun event (a webhook's `event-data`, an item of the events API: the same shape) as
// Crier's delivery event. The webhook and the polling task both map through here, so an event
// seen both ways has one eventKey and is stored once.
import type { MessageEvent } from '../../domain/delivery.js';
import { CRIER_ID_VARIABLE } from './mailgun.request.js';

export const PROVIDER = 'mailgun';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/** Reasons Mailgun gives for a permanent failure that say the address cannot receive mail. */
const BOUNCE_REASONS = new Set(['bounce', 'suppress-bounce']);

export type MappedEvent = { ok: true; event: MessageEvent | null } | { ok: false; reason: string };

/**
 * `null` for an event Crier does not keep (opened, clicked, stored, …) or one of a message Crier
 * did not send (no crier_message_id). Malformed only when it is not an event at all.
 */
export function mapMailgunEvent(data: unknown): MappedEvent {
  if (!isObject(data)) return { ok: false, reason: 'event-data is not an object' };
  const name = text(data.event);
  const id = text(data.id);
  const timestamp = Number(data.timestamp);
  if (!name || !id || !Number.isFinite(timestamp))
    return { ok: false, reason: 'event-data lacks event, id or timestamp' };

  const kind = kindOf(name, text(data.severity));
  if (!kind) return { ok: true, event: null };
  const message = isObject(data.message) ? data.message : {};
  const headers = isObject(message.headers) ? message.headers : {};
  const messageId = text(headers['message-id'])?.replace(/^<|>$/g, '');
  const variables = isObject(data['user-variables']) ? data['user-variables'] : {};
  const crierId = variables[CRIER_ID_VARIABLE];
  const crier = typeof crierId === 'number' ? String(crierId) : text(crierId);
  if (!messageId || !crier) return { ok: true, event: null };

  const status = isObject(data['delivery-status']) ? data['delivery-status'] : {};
  const reasonCode = text(data.reason);
  const reason =
    text(status.message) ??
    text(status.description) ??
    (reasonCode && kind !== 'delivered' ? `Mailgun: ${reasonCode}` : undefined);
  const event: MessageEvent = {
    provider: PROVIDER,
    eventKey: id,
    providerMessageId: `${messageId}#${crier}`,
    ...(/^\d+$/.test(crier) ? { messageId: Number(crier) } : {}),
    kind,
    occurredAt: Math.round(timestamp * 1000),
    ...(reason && kind !== 'delivered' ? { reason } : {}),
    payload: data,
  };
  if (kind === 'failed' && isHardBounce(reasonCode, Number(status.code))) event.hardBounce = true;
  return { ok: true, event };
}

function kindOf(event: string, severity: string | undefined): MessageEvent['kind'] | null {
  switch (event) {
    case 'accepted':
      return 'accepted';
    case 'delivered':
      return 'delivered';
    case 'failed':
      // A temporary failure is retried by Mailgun: not final, kept with its reason.
      return severity === 'permanent' ? 'failed' : 'accepted';
    case 'complained':
      return 'complaint';
    case 'unsubscribed':
      return 'unsubscribed';
    default:
      return null;
  }
}

/**
 * A permanent failure suppresses the address when Mailgun calls it a bounce (or dropped it for an
 * earlier bounce), or the receiving server answered 5xx, unless Mailgun dropped it for a
 * complaint or an unsubscribe (those are not the address's fault).
 */
function isHardBounce(reason: string | undefined, code: number): boolean {
  if (reason && BOUNCE_REASONS.has(reason)) return true;
  if (reason?.startsWith('suppress-')) return false;
  return code >= 500 && code <= 599;
}
