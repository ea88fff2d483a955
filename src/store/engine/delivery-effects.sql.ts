// What new delivery events do, inside the intake's transaction: move each message's delivery
// state by the fixed precedence, move the communication counters with it, and add the
// suppressions that bounces, complaints, unsubscribes and STOP ask for.
import { nextDeliveryState, isDeliveryState, suppressionReason, type DeliveryEvent } from '../../domain/delivery.js';
import type { DeliveryState } from '../../domain/message.js';
import type { NewSuppression } from '../../sending/sending-store.js';
import { addCounts } from './counts.sql.js';
import { addSuppression, liftSuppression } from './suppressions.sql.js';
import type { SqlExec } from './sql-exec.js';

/** A sent message as the intake sees it, locked for the transaction. */
export interface EventMessage {
  id: number;
  communication_id: number;
  channel: 'email' | 'sms';
  address: string | null;
  delivery_state: string | null;
  provider: string;
  provider_message_id: string;
}

export interface NewEvent {
  event: DeliveryEvent;
  /** The messages it names (none for STOP and for unknown messages). */
  messages: readonly EventMessage[];
}

interface Change {
  message: EventMessage;
  before: DeliveryState;
  after: DeliveryState;
  error: string | null;
}

const counted = (state: DeliveryState) => ({ delivered: state === 'delivered' ? 1 : 0, failed: state === 'failed' ? 1 : 0 });

/**
 * Applies events that were stored just now (never a duplicate). Precedence is order-free, but
 * the events go through in the order they happened so the first failure's reason is the one kept.
 * `delivered`: how many messages of each communication the caller has just marked delivered from
 * awaiting a report; their counters move here with the rest, in one pass in communication order.
 */
export async function applyEffects(tx: SqlExec, events: readonly NewEvent[], now: number, delivered: ReadonlyMap<number, number> = new Map()): Promise<void> {
  const changes = new Map<number, Change>();
  // By address, the last word wins within a batch: STOP then START leaves the number reachable.
  const suppressions = new Map<string, (NewSuppression & { provider: string; lift?: false }) | { lift: true; phone: string; provider: string; source: string }>();
  const suppress = (s: NewSuppression & { provider: string }) => {
    const key = `${s.channel}\u0000${s.address}`;
    const before = suppressions.get(key);
    if (!before || before.lift) suppressions.set(key, s);
  };
  for (const { event, messages } of [...events].sort((a, b) => a.event.occurredAt - b.event.occurredAt)) {
    const source = `${event.provider}:${event.eventKey}`;
    const reason = suppressionReason(event);
    if (event.kind === 'stop') {
      suppress({ channel: 'sms', address: event.phone, reason: 'sms_stop', source, provider: event.provider });
      continue;
    }
    if (event.kind === 'start') {
      suppressions.set(`sms\u0000${event.phone}`, { lift: true, phone: event.phone, provider: event.provider, source });
      continue;
    }
    for (const message of messages) {
      const current = changes.get(message.id)?.after ?? message.delivery_state;
      if (isDeliveryState(current)) {
        const next = nextDeliveryState(current, event.kind);
        if (next !== current) {
          const before = changes.get(message.id)?.before ?? current;
          const error = next === 'failed' ? (event.reason ?? null) : (changes.get(message.id)?.error ?? null);
          changes.set(message.id, { message, before, after: next, error });
        }
      }
      if (reason && message.address) suppress({ channel: message.channel, address: message.address, reason, source, provider: event.provider });
    }
  }
  await writeStates(tx, [...changes.values()].filter((c) => c.before !== c.after), now, delivered);
  const sorted = [...suppressions].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [, s] of sorted) {
    const actor = { userId: null, label: `provider:${s.provider}` };
    if (s.lift) await liftSuppression(tx, { channel: 'sms', address: s.phone, reason: 'sms_stop', source: s.source }, actor, now);
    else await addSuppression(tx, s, actor, now);
  }
}

/** The new states, then the counters they move (in communication order, to lock alike everywhere). */
async function writeStates(tx: SqlExec, changes: readonly Change[], now: number, delivered: ReadonlyMap<number, number>): Promise<void> {
  await writeStateRows(tx, changes, now);
  const deltas = new Map<number, { delivered: number; failed: number }>();
  for (const [communicationId, n] of delivered) deltas.set(communicationId, { delivered: n, failed: 0 });
  for (const c of changes) {
    const id = Number(c.message.communication_id);
    const d = deltas.get(id) ?? { delivered: 0, failed: 0 };
    const [before, after] = [counted(c.before), counted(c.after)];
    d.delivered += after.delivered - before.delivered;
    d.failed += after.failed - before.failed;
    deltas.set(id, d);
  }
  await addCounts(tx, new Map([...deltas].map(([id, d]) => [id, { delivered: d.delivered, deliveryErrors: d.failed }])));
}

async function writeStateRows(tx: SqlExec, changes: readonly Change[], now: number): Promise<void> {
  if (changes.length === 0) return;
  if (tx.dialect === 'postgres') {
    await tx.run(
      `UPDATE messages m SET delivery_state = u.state, delivery_error = u.error, delivery_updated_at = ?
       FROM unnest(?::bigint[], ?::text[], ?::text[]) AS u(id, state, error) WHERE m.id = u.id`,
      [now, changes.map((c) => c.message.id), changes.map((c) => c.after), changes.map((c) => c.error)],
    );
  } else {
    // One statement a (state, error) pair: a batch of deliveries is one UPDATE, not a thousand.
    const groups = new Map<string, { state: DeliveryState; error: string | null; ids: number[] }>();
    for (const c of changes) {
      const key = `${c.after}\u0000${c.error ?? ''}\u0000${c.error === null ? 0 : 1}`;
      const group = groups.get(key) ?? { state: c.after, error: c.error, ids: [] };
      group.ids.push(c.message.id);
      groups.set(key, group);
    }
    for (const g of groups.values()) {
      await tx.run(`UPDATE messages SET delivery_state = ?, delivery_error = ?, delivery_updated_at = ? WHERE id IN (SELECT value FROM json_each(?))`, [
        g.state,
        g.error,
        now,
        JSON.stringify(g.ids),
      ]);
    }
  }
}
