// Delivery events as every provider's webhook (and the sandbox) reports them, once normalised,
// and the fixed precedence that turns them into a message's delivery state (DESIGN.md §2).
import type { DeliveryState } from './message.js';

/**
 * `accepted` covers every non-final report (processed, queued, sent, deferred): it never changes
 * a state. `complaint` and `unsubscribed` add a suppression and leave the state alone.
 */
export type MessageEventKind = 'accepted' | 'delivered' | 'failed' | 'complaint' | 'unsubscribed';

interface EventBase {
  /** The provider's name, as kept on the messages it sent. */
  provider: string;
  /** Deterministic: the provider's event id, or a hash of the event's content. Stored once. */
  eventKey: string;
  occurredAt: number;
  /** The provider's text (bounce message, carrier error), kept as the delivery error. */
  reason?: string;
  /** The event as received, kept for diagnosis. */
  payload: unknown;
}

export interface MessageEvent extends EventBase {
  kind: MessageEventKind;
  /**
   * The provider's id of the message, as its send answer gave it. Batch APIs (SendGrid, Mailgun)
   * give one id a request: there it is `<request id>#<Crier's message id>`, rebuilt alike from
   * the event (whose custom arguments carry Crier's id).
   */
  providerMessageId: string;
  /**
   * Crier's id of the message when the provider echoes it back (SendGrid's custom arguments,
   * Mailgun's variables): the intake finds the message by it, and still requires its provider
   * message id to match.
   */
  messageId?: number;
  /** A permanent failure (the address does not exist): the address is suppressed. */
  hardBounce?: boolean;
}

/**
 * An inbound SMS opt-out keyword (STOP, …) or opt-in keyword (START, …): it names the phone number
 * (E.164), not a message. A STOP suppresses the number; a START lifts an SMS STOP suppression.
 */
export interface StopEvent extends EventBase {
  kind: 'stop' | 'start';
  phone: string;
}

export type DeliveryEvent = MessageEvent | StopEvent;

/** Whether an event names a phone number (STOP, START) rather than a message. */
export function isPhoneEvent(event: DeliveryEvent): event is StopEvent {
  return event.kind === 'stop' || event.kind === 'start';
}
export type DeliveryEventKind = DeliveryEvent['kind'];

/**
 * A delivery that names Crier's own message (SendGrid, Mailgun): the intake applies it the quick
 * way, and keeps it whole (with its payload) only when that message turns out unknown.
 */
export function isCrierDelivery(event: DeliveryEvent): event is MessageEvent & { kind: 'delivered'; messageId: number } {
  return event.kind === 'delivered' && event.messageId !== undefined;
}

/** `manual`: added by an operator (by hand, or an imported list whose rows name no other reason). */
export type SuppressionReason = 'hard_bounce' | 'complaint' | 'unsubscribed' | 'sms_stop' | 'manual';

/**
 * The state after an event. Final reports beat non-final ones; a failure beats a delivery in
 * either order (a bounce may come after "delivered"); nothing brings back a failed message; a
 * final report that comes after the no-report deadline still applies. The outcome of a set of
 * events does not depend on their order, so batches and retries may arrive shuffled.
 */
export function nextDeliveryState(current: DeliveryState, kind: MessageEventKind): DeliveryState {
  switch (kind) {
    case 'delivered':
      return current === 'in_progress' || current === 'no_report' ? 'delivered' : current;
    case 'failed':
      return 'failed';
    case 'accepted':
    case 'complaint':
    case 'unsubscribed':
      return current;
  }
}

/** The suppression an event adds, if any. */
export function suppressionReason(event: DeliveryEvent): SuppressionReason | null {
  switch (event.kind) {
    case 'failed':
      return event.hardBounce ? 'hard_bounce' : null;
    case 'complaint':
      return 'complaint';
    case 'unsubscribed':
      return 'unsubscribed';
    case 'stop':
      return 'sms_stop';
    case 'start':
    case 'accepted':
    case 'delivered':
      return null;
  }
}

export function isDeliveryState(value: string | null): value is DeliveryState {
  return value === 'in_progress' || value === 'delivered' || value === 'failed' || value === 'no_report';
}
