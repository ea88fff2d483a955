// The delivery intake's statements: find (and lock) the messages events name, take each event's
// key once (storing the events worth reading again), and apply the new ones; later, apply events that arrived before their message was
// recorded as sent; and the no-report sweep. Locks follow the order in sending-store.ts: the messages named (by
// id), then the events (their keys, then the rows kept), then their communications' counters, then suppressions.
import { isCrierDelivery, isPhoneEvent, type DeliveryEvent, type MessageEvent, type MessageEventKind } from '../../domain/delivery.js';
import type { EventResult, PayloadLoader } from '../../sending/sending-store.js';
import { applyEffects, type EventMessage, type NewEvent } from './delivery-effects.sql.js';
import { inIds, type SqlExec } from './sql-exec.js';

const MESSAGE_COLUMNS = 'id, communication_id, channel, address, delivery_state, provider, provider_message_id';
const keyOf = (provider: string, providerMessageId: string) => `${provider}\u0000${providerMessageId}`;

/**
 * Stores and applies a batch of events in the caller's transaction. Returns what became of each
 * event, in the order given. A duplicate changes nothing: a second copy of an event (in this batch
 * or stored before), or a delivery of a message already delivered (a copy of the report that
 * settled it, or another report of the same delivery: either way, nothing new).
 *
 * Nearly every event a webhook brings is the first "delivered" of a message still awaiting its
 * report: those are applied first, by one UPDATE that finds the messages by Crier's id and answers
 * which messages it changed, with nothing read before it and no key stored (the message's state
 * is what tells a later copy). Such an event cannot have been applied before (it would have
 * settled the message). Every other event goes the general way: a delivery of a delivered message
 * stops at its message's state, any other event has its key taken in delivery_event_keys (a
 * duplicate stops there), its messages read, the event kept where someone will read it, its effect
 * applied by the precedence. Precedence does not depend on order, so applying the quick deliveries
 * first changes no outcome.
 */
export async function ingestEvents(tx: SqlExec, events: readonly DeliveryEvent[], now: number, load?: PayloadLoader): Promise<EventResult[]> {
  // The first copy of each key, by provider (one map a provider: no key strings to build).
  const first = new Map<string, Set<string>>();
  const candidates: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const { provider, eventKey } = events[i]!;
    let keys = first.get(provider);
    if (!keys) first.set(provider, (keys = new Set()));
    if (keys.has(eventKey)) continue;
    keys.add(eventKey);
    candidates.push(i);
  }
  const refOf = (e: MessageEvent) => ({ provider: e.provider, providerMessageId: e.providerMessageId, messageId: e.messageId });
  // PostgreSQL: every message the batch names is locked before any is written, in id order (the
  // lock order of sending-store.ts); SQLite has one writer, so reading after the quick UPDATE will do.
  const locked = tx.dialect === 'postgres' ? await lockMessages(tx, candidates.flatMap((i) => messageEvent(events[i]!) ?? []).map(refOf)) : null;

  const quick = candidates.filter((i) => isCrierDelivery(events[i]!));
  const delivered = await deliverAwaiting(tx, quick.map((i) => events[i] as QuickEvent), now);
  const applied = new Set(quick.filter((_, n) => delivered.changed[n]));
  if (locked) {
    for (const m of [...locked.values()].flat()) if (delivered.ids.has(m.id)) m.delivery_state = 'delivered';
  }

  const sorted = candidates
    .filter((i) => !applied.has(i))
    .sort((a, b) => {
      const [x, y] = [events[a]!, events[b]!];
      return x.provider === y.provider ? (x.eventKey < y.eventKey ? -1 : 1) : x.provider < y.provider ? -1 : 1;
    });
  const messages = locked ?? (await lockMessages(tx, sorted.flatMap((i) => messageEvent(events[i]!) ?? []).map(refOf)));
  const named = (e: DeliveryEvent) => (isPhoneEvent(e) ? [] : (messages.get(keyOf(e.provider, e.providerMessageId)) ?? []));
  // A delivery of a message already delivered (the quick way, or before): nothing new, no key kept.
  const known = (e: DeliveryEvent) => e.kind === 'delivered' && named(e).length > 0 && named(e).every((m) => m.delivery_state === 'delivered');
  const unsettled = sorted.filter((i) => !known(events[i]!));
  const taken = await takeKeys(tx, unsettled.map((i) => events[i]!));
  const rest = unsettled.filter((_, n) => taken[n]);
  await storeEvents(tx, rest.map((i) => ({ event: events[i]!, messageId: named(events[i]!)[0]?.id ?? null })), now, load);
  await applyEffects(
    tx,
    rest.map((i) => ({ event: events[i]!, messages: named(events[i]!) })),
    now,
    delivered.counts,
  );
  const isFresh = new Set([...applied, ...rest]);
  return events.map((e, i) => {
    if (!isFresh.has(i)) return 'duplicate';
    return applied.has(i) || isPhoneEvent(e) || named(e).length > 0 ? 'applied' : 'unknown';
  });
}

type QuickEvent = MessageEvent & { messageId: number };
const messageEvent = (e: DeliveryEvent): MessageEvent | null => (isPhoneEvent(e) ? null : e);

interface Settled {
  /** Whether each event (in the order given) marked its message delivered. */
  changed: boolean[];
  /** The messages marked delivered. */
  ids: Set<number>;
  /** How many of them each communication has. */
  counts: Map<number, number>;
}

/**
 * Marks delivered the messages these events name that still await their report (in progress, or
 * past the no-report deadline), found by Crier's id and only where the provider's id matches too.
 * Messages not changed here (already settled, or not matching) are left for the general way. Each
 * message goes in once (the first of its deliveries here settles it; the others go on as
 * deliveries of a delivered message), and the communications are counted from the rows changed.
 */
async function deliverAwaiting(tx: SqlExec, events: readonly QuickEvent[], now: number): Promise<Settled> {
  const settled: Settled = { changed: [], ids: new Set(), counts: new Map() };
  if (events.length === 0) return settled;
  const seen = new Set<number>();
  const isFirst = events.map((e) => {
    if (seen.has(e.messageId)) return false;
    seen.add(e.messageId);
    return true;
  });
  const firsts = events.filter((_, n) => isFirst[n]);
  const rows = tx.dialect === 'postgres' ? await deliverOnPostgres(tx, firsts, now) : await deliverOnSqlite(tx, firsts, now);
  for (const r of rows) {
    settled.ids.add(Number(r.id));
    const communicationId = Number(r.communication_id);
    settled.counts.set(communicationId, (settled.counts.get(communicationId) ?? 0) + 1);
  }
  settled.changed = events.map((e, n) => isFirst[n]! && settled.ids.has(e.messageId));
  return settled;
}

const DELIVER_SET = `SET delivery_state = 'delivered', delivery_error = NULL, delivery_updated_at = ?`;
const AWAITING = `delivery_state IN ('in_progress', 'no_report')`;
type Changed = { id: number; communication_id: number };

/** UPDATE … FROM the events as arrays: one statement for the batch. */
function deliverOnPostgres(tx: SqlExec, events: readonly QuickEvent[], now: number): Promise<Changed[]> {
  return tx.all<Changed>(
    `UPDATE messages m ${DELIVER_SET}
     FROM unnest(?::bigint[], ?::text[], ?::text[]) AS e(id, provider, provider_message_id)
     WHERE m.id = e.id AND m.provider = e.provider AND m.provider_message_id = e.provider_message_id AND m.${AWAITING}
     RETURNING m.id, m.communication_id`,
    [now, events.map((e) => e.messageId), events.map((e) => e.provider), events.map((e) => e.providerMessageId)],
  );
}

/**
 * SQLite: UPDATE … FROM a VALUES list of (Crier's id, provider's id), a hundred rows a statement,
 * then tens, then ones (three prepared statements serve any batch), one provider a statement,
 * bound once. One call into SQLite a hundred events instead of one an event took the quick
 * deliveries from 0.81–0.86 of the floor's plain UPDATE loop to 0.94 (bench/webhook-update-cost.ts).
 */
const SQLITE_ROWS = [100, 10, 1];

const sqliteDeliver = new Map(
  SQLITE_ROWS.map((size) => [
    size,
    `UPDATE messages ${DELIVER_SET} FROM (VALUES ${Array<string>(size).fill('(?, ?)').join(', ')}) AS e
     WHERE messages.id = e.column1 AND messages.provider_message_id = e.column2 AND messages.provider = ? AND messages.${AWAITING}
     RETURNING messages.id, messages.communication_id`,
  ]),
);

async function deliverOnSqlite(tx: SqlExec, events: readonly QuickEvent[], now: number): Promise<Changed[]> {
  const byProvider = new Map<string, QuickEvent[]>();
  for (const e of events) {
    let list = byProvider.get(e.provider);
    if (!list) byProvider.set(e.provider, (list = []));
    list.push(e);
  }
  const changed: Changed[] = [];
  for (const [provider, list] of byProvider) {
    for (let at = 0; at < list.length; ) {
      const size = SQLITE_ROWS.find((n) => n <= list.length - at)!;
      const params: unknown[] = [now];
      for (let i = at; i < at + size; i++) params.push(list[i]!.messageId, list[i]!.providerMessageId);
      params.push(provider);
      changed.push(...(await tx.all<Changed>(sqliteDeliver.get(size)!, params)));
      at += size;
    }
  }
  return changed;
}

/**
 * The sent messages of these (provider, provider message id) pairs, locked until commit. An event
 * that carries Crier's own id is looked up by it (the primary key: cheaper than the provider's id);
 * it still names its message only if the provider's id matches too (the map is keyed by it).
 */
async function lockMessages(
  tx: SqlExec,
  refs: readonly { provider: string; providerMessageId: string; messageId?: number | undefined }[],
): Promise<Map<string, EventMessage[]>> {
  const found = new Map<string, EventMessage[]>();
  const seen = new Set<number>();
  const add = (m: EventMessage) => {
    const id = Number(m.id);
    if (seen.has(id)) return;
    seen.add(id);
    const key = keyOf(m.provider, m.provider_message_id);
    found.set(key, [...(found.get(key) ?? []), { ...m, id, communication_id: Number(m.communication_id) }]);
  };
  const byProvider = new Map<string, { ids: Set<number>; providerIds: Set<string> }>();
  for (const r of refs) {
    const of = byProvider.get(r.provider) ?? { ids: new Set<number>(), providerIds: new Set<string>() };
    if (r.messageId !== undefined) of.ids.add(r.messageId);
    else of.providerIds.add(r.providerMessageId);
    byProvider.set(r.provider, of);
  }
  // One statement a provider and kind of id, whatever the number of events (a statement an event
  // cost more than all the rest of the intake). PostgreSQL locks in id order.
  for (const [provider, { ids, providerIds }] of [...byProvider].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rows: EventMessage[] = [];
    if (ids.size > 0) {
      const [condition, param] = inIds(tx, 'id', [...ids]);
      const lock = tx.dialect === 'postgres' ? ' ORDER BY id FOR UPDATE' : '';
      // By id alone (a condition on provider would make SQLite walk that provider's whole index):
      // a row of another provider, or with another provider id, matches no event's key.
      rows.push(...(await tx.all<EventMessage>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ${condition} AND provider_message_id IS NOT NULL${lock}`, [param])));
    }
    if (providerIds.size > 0) {
      rows.push(
        ...(tx.dialect === 'sqlite'
          ? await tx.all<EventMessage>(
              `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE provider = ? AND provider_message_id IS NOT NULL AND provider_message_id IN (SELECT value FROM json_each(?))`,
              [provider, JSON.stringify([...providerIds])],
            )
          : await tx.all<EventMessage>(
              `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE provider = ? AND provider_message_id IS NOT NULL AND provider_message_id = ANY(?::text[]) ORDER BY id FOR UPDATE`,
              [provider, [...providerIds]],
            )),
      );
    }
    rows.forEach(add);
  }
  return found;
}

const EVENT_COLUMNS: [name: string, pgType: string][] = [
  ['provider', 'text'],
  ['event_key', 'text'],
  ['message_id', 'bigint'],
  ['provider_message_id', 'text'],
  ['type', 'text'],
  ['occurred_at', 'bigint'],
  ['received_at', 'bigint'],
  ['payload', 'text'],
  ['reason', 'text'],
  ['hard_bounce', 'integer'],
  ['address', 'text'],
];

function eventRow(event: DeliveryEvent, messageId: number | null, now: number): unknown[] {
  const isStop = isPhoneEvent(event);
  return [
    event.provider,
    event.eventKey,
    messageId,
    isStop ? null : event.providerMessageId,
    event.kind,
    // A provider's missing or garbled timestamp must not lose the event: it happened by now.
    Number.isFinite(event.occurredAt) ? Math.round(event.occurredAt) : now,
    now,
    JSON.stringify(event.payload ?? null),
    event.reason ?? null,
    !isStop && event.hardBounce ? 1 : 0,
    isStop ? event.phone : null,
  ];
}

/**
 * Whether the event itself is kept (delivery_events) besides its key: where someone may need to
 * read it — a failure, a complaint or unsubscribe, a STOP or START, an event naming no known
 * message (which is also matched to its message later). A delivery or a non-final report of a
 * known message says nothing the message's own state does not, and a webhook brings them a
 * thousand at a time: only their keys are kept.
 */
function keepsEvent(event: DeliveryEvent, messageId: number | null): boolean {
  return messageId === null || (event.kind !== 'delivered' && event.kind !== 'accepted');
}

/** Stores the new events worth keeping (their keys are taken already). */
async function storeEvents(tx: SqlExec, rows: readonly { event: DeliveryEvent; messageId: number | null }[], now: number, load?: PayloadLoader): Promise<void> {
  const kept = rows.filter((r) => keepsEvent(r.event, r.messageId));
  if (kept.length === 0) return;
  await load?.(kept.map((r) => r.event));
  const names = EVENT_COLUMNS.map(([name]) => name).join(', ');
  // The key was new, so is the event; DO NOTHING guards the rows kept before the keys table.
  const conflict = 'ON CONFLICT (provider, event_key) DO NOTHING';
  const values = kept.map((r) => eventRow(r.event, r.messageId, now));
  if (tx.dialect === 'postgres') {
    const unnest = EVENT_COLUMNS.map(([, type]) => `?::${type}[]`).join(', ');
    await tx.run(`INSERT INTO delivery_events (${names}) SELECT * FROM unnest(${unnest}) ${conflict}`, EVENT_COLUMNS.map((_, c) => values.map((v) => v[c])));
  } else {
    await tx.runEach(`INSERT INTO delivery_events (${names}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')}) ${conflict}`, values);
  }
}

/** Each event's key, once: true where it was not there before. */
async function takeKeys(tx: SqlExec, events: readonly DeliveryEvent[]): Promise<boolean[]> {
  if (events.length === 0) return [];
  const conflict = 'ON CONFLICT (provider, event_key) DO NOTHING';
  if (tx.dialect === 'postgres') {
    const inserted = await tx.all<{ provider: string; event_key: string }>(
      `INSERT INTO delivery_event_keys (provider, event_key) SELECT * FROM unnest(?::text[], ?::text[]) ${conflict} RETURNING provider, event_key`,
      [events.map((e) => e.provider), events.map((e) => e.eventKey)],
    );
    const keys = new Set(inserted.map((i) => `${i.provider}\u0000${i.event_key}`));
    return events.map((e) => keys.has(`${e.provider}\u0000${e.eventKey}`));
  }
  const changed = await tx.runEach(`INSERT INTO delivery_event_keys (provider, event_key) VALUES (?, ?) ${conflict}`, events.map((e) => [e.provider, e.eventKey]));
  return changed.map((n) => n === 1);
}

/**
 * Events stored without a message whose message is now known: the provider reported before the
 * worker recorded the hand-over (a fast webhook, the sandbox without delay). Only recent ones:
 * older events name messages Crier never sent, and stay for diagnosis.
 */
export async function matchableEventIds(exec: SqlExec, receivedSince: number, limit: number): Promise<number[]> {
  const rows = await exec.all<{ id: number }>(
    `SELECT e.id FROM delivery_events e
     WHERE e.message_id IS NULL AND e.received_at >= ? AND e.provider_message_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM messages m WHERE m.provider = e.provider AND m.provider_message_id IS NOT NULL AND m.provider_message_id = e.provider_message_id)
     ORDER BY e.id LIMIT ?`,
    [receivedSince, limit],
  );
  return rows.map((r) => Number(r.id));
}

interface StoredEventRow {
  id: number;
  provider: string;
  event_key: string;
  provider_message_id: string;
  type: MessageEventKind;
  occurred_at: number;
  reason: string | null;
  hard_bounce: number;
}

/** Links stored events to their messages and applies them, once (the link is the claim). */
export async function applyMatched(tx: SqlExec, ids: readonly number[], now: number): Promise<number> {
  const columns = 'id, provider, event_key, provider_message_id, type, occurred_at, reason, hard_bounce';
  const rows: StoredEventRow[] = [];
  if (tx.dialect === 'postgres') {
    rows.push(...(await tx.all<StoredEventRow>(`SELECT ${columns} FROM delivery_events WHERE id = ANY(?::bigint[]) AND message_id IS NULL`, [ids])));
  } else {
    for (const id of ids) rows.push(...(await tx.all<StoredEventRow>(`SELECT ${columns} FROM delivery_events WHERE id = ? AND message_id IS NULL`, [id])));
  }
  const messages = await lockMessages(tx, rows.map((r) => ({ provider: r.provider, providerMessageId: r.provider_message_id })));
  const linked: NewEvent[] = [];
  for (const row of rows) {
    const named = messages.get(keyOf(row.provider, row.provider_message_id)) ?? [];
    if (named.length === 0) continue;
    if ((await tx.run(`UPDATE delivery_events SET message_id = ? WHERE id = ? AND message_id IS NULL`, [named[0]!.id, row.id])) !== 1) continue;
    const event: DeliveryEvent = {
      provider: row.provider,
      eventKey: row.event_key,
      providerMessageId: row.provider_message_id,
      kind: row.type,
      hardBounce: Number(row.hard_bounce) === 1,
      occurredAt: Number(row.occurred_at),
      payload: null,
      ...(row.reason === null ? {} : { reason: row.reason }),
    };
    linked.push({ event, messages: named });
  }
  await applyEffects(tx, linked, now);
  return linked.length;
}

/**
 * The no-report sweep: marks up to `limit` of the oldest messages sent before `sentBefore` still
 * awaiting a report; returns how many. No counter moves ("no report" is neither delivered nor a
 * delivery error), so no communication is locked. The partial index on messages(sent_at) WHERE
 * delivery_state = 'in_progress' keeps this cheap however many messages have long been settled.
 * On PostgreSQL rows the intake holds are skipped, not waited for: a report being applied right
 * now wins, and the next sweep sees the rest.
 */
export async function markNoReport(exec: SqlExec, sentBefore: number, limit: number, now: number): Promise<number> {
  const skipLocked = exec.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  return exec.run(
    `UPDATE messages SET delivery_state = 'no_report', delivery_updated_at = ?
     WHERE id IN (SELECT id FROM messages WHERE delivery_state = 'in_progress' AND sent_at < ? ORDER BY sent_at LIMIT ?${skipLocked})
       AND delivery_state = 'in_progress'`,
    [now, sentBefore, limit],
  );
}
