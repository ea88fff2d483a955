// Delivery events on their way to the intake's thread (intake-thread.ts), as columns. Structured
// clone copies an object field by field: a SendGrid post of 1,000 events, each carrying the
// provider's own event as its payload, cost ~1 ms to send and ~2 ms to receive, on the thread whose
// writes set the intake's pace. As arrays of strings and numbers, with the payloads as one JSON
// text read only when an event is kept whole (a failure, a complaint, an event naming no known
// message), they cost a fifth of that on each side. The payloads of deliveries that name Crier's
// message are not sent at all: such an event is kept whole only when its message is unknown
// (rare), and then the intake's thread asks for them inside its transaction. Writing them out
// for every post cost the server's thread ~1 ms a thousand, with the garbage.
import { isCrierDelivery, isPhoneEvent, type DeliveryEvent, type DeliveryEventKind } from '../domain/delivery.js';

export interface EventColumns {
  provider: string[];
  kind: DeliveryEventKind[];
  eventKey: string[];
  occurredAt: Float64Array;
  /** A message event's provider id; a STOP or START's phone number. */
  target: string[];
  /** Crier's id of the message; NaN where the event does not carry it. */
  messageId: Float64Array;
  /** 0: not said, 1: false, 2: true. */
  hardBounce: Uint8Array;
  reason: (string | null)[];
  /** 1 where the payload stays with the sender until asked for (`Received.held`). */
  held: Uint8Array;
  /** Every event's payload as one JSON array (null where held). */
  payloads: string;
}

export function toColumns(events: readonly DeliveryEvent[]): EventColumns {
  const n = events.length;
  // Filled by push: an array made at its length has holes, and V8 clones a holey array key by key
  // (2.5× slower each way).
  const columns: EventColumns = {
    provider: [],
    kind: [],
    eventKey: [],
    occurredAt: new Float64Array(n),
    target: [],
    messageId: new Float64Array(n),
    hardBounce: new Uint8Array(n),
    reason: [],
    held: new Uint8Array(n),
    payloads: '',
  };
  const payloads: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    columns.provider.push(e.provider);
    columns.kind.push(e.kind);
    columns.eventKey.push(e.eventKey);
    columns.occurredAt[i] = e.occurredAt;
    columns.reason.push(e.reason ?? null);
    if (isCrierDelivery(e)) {
      columns.held[i] = 1;
      payloads.push(null);
    } else payloads.push(e.payload ?? null);
    if (isPhoneEvent(e)) {
      columns.target.push(e.phone);
      columns.messageId[i] = NaN;
    } else {
      columns.target.push(e.providerMessageId);
      columns.messageId[i] = e.messageId ?? NaN;
      columns.hardBounce[i] = e.hardBounce === undefined ? 0 : e.hardBounce ? 2 : 1;
    }
  }
  columns.payloads = JSON.stringify(payloads);
  return columns;
}

/** A batch received: its events, and what to do for the payloads held back. */
export interface Received {
  events: DeliveryEvent[];
  /** The indexes (in the batch) of those of `events` whose payloads are still held by the sender. */
  held(events: readonly DeliveryEvent[]): number[];
  /** Gives those events their payloads (in the order of `indexes`). */
  fill(indexes: readonly number[], payloads: readonly unknown[]): void;
}

/** The events again; each one's payload is read from the JSON text when first asked for. */
export function fromColumns(columns: EventColumns): Received {
  const payloads = new Payloads(columns.payloads, columns.held);
  const events: DeliveryEvent[] = [];
  for (let i = 0; i < columns.kind.length; i++) {
    const e = new WireEvent(payloads, i) as WireEvent & Record<string, unknown>;
    e.provider = columns.provider[i];
    e.kind = columns.kind[i];
    e.eventKey = columns.eventKey[i];
    e.occurredAt = columns.occurredAt[i];
    const reason = columns.reason[i];
    if (reason !== null && reason !== undefined) e.reason = reason;
    if (e.kind === 'stop' || e.kind === 'start') {
      e.phone = columns.target[i];
    } else {
      e.providerMessageId = columns.target[i];
      const messageId = columns.messageId[i]!;
      if (!Number.isNaN(messageId)) e.messageId = messageId;
      const hardBounce = columns.hardBounce[i];
      if (hardBounce !== 0) e.hardBounce = hardBounce === 2;
    }
    events.push(e as unknown as DeliveryEvent);
  }
  return {
    events,
    held: (some) => some.flatMap((e) => (e instanceof WireEvent && payloads.isHeld(e.at) ? [e.at] : [])),
    fill: (indexes, values) => indexes.forEach((at, n) => payloads.fill(at, values[n])),
  };
}

class Payloads {
  private parsed: unknown[] | null = null;
  private readonly filled = new Map<number, unknown>();
  constructor(
    private readonly text: string,
    private readonly heldBack: Uint8Array,
  ) {}
  isHeld(i: number): boolean {
    return this.heldBack[i] === 1 && !this.filled.has(i);
  }
  fill(i: number, payload: unknown): void {
    this.filled.set(i, payload);
  }
  at(i: number): unknown {
    if (this.heldBack[i] === 1) {
      if (!this.filled.has(i)) throw new Error(`the payload of event ${i} was held by the sender and not asked for`);
      return this.filled.get(i);
    }
    this.parsed ??= JSON.parse(this.text) as unknown[];
    return this.parsed[i];
  }
}

class WireEvent {
  readonly #payloads: Payloads;
  readonly #at: number;
  constructor(payloads: Payloads, at: number) {
    this.#payloads = payloads;
    this.#at = at;
  }
  /** Its index in the batch (on the prototype: not one of the event's own fields). */
  get at(): number {
    return this.#at;
  }
  get payload(): unknown {
    return this.#payloads.at(this.#at);
  }
}
