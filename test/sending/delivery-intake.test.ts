// The delivery intake on real sent messages: precedence, dedupe, counters that always equal a
// recount, events that arrive before their message was recorded, and the no-report sweep.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliveryEvent } from '../../src/domain/delivery.js';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { lateMatches, noReportSweep } from '../../src/sending/delivery-tasks.js';
import { FakeClock } from '../harness/auth.js';
import { countersOf, eventFor, messageRow, sendCommunication, type SentMessage } from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { recount } from '../harness/sending.js';

const HOUR = 3_600_000;

describeEachDialect('delivery intake', (ctx) => {
  let t: TestServer;
  let dispatcher: Dispatcher;
  // Close to real time, so the sandbox's own reports (planned an hour after real time) never
  // come due while the dispatcher runs; the no-report test stops it before moving the clock.
  const clock = new FakeClock(Date.now());
  beforeAll(async () => {
    t = await startTestServer(ctx.url(), { clock, env: { CRIER_SANDBOX_DELIVERY_DELAY_MS: String(HOUR) } });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
  });

  const ingest = (...events: DeliveryEvent[]) => t.app.delivery.ingest(events);
  const one = async (count = 1) => (await sendCommunication(t.app, count)).messages[0]!;
  const expectCountersMatchRows = async (communicationId: number) => {
    const rows = await recount(t.app, communicationId);
    expect(await countersOf(t.app, communicationId)).toEqual({ delivered: rows.delivered, deliveryErrors: rows.deliveryErrors });
  };

  it('turns delivered into failed on a later bounce, moving both counters', async () => {
    const m = await one();
    expect(m.delivery_state).toBe('in_progress');
    expect(await ingest(eventFor(m, 'delivered'))).toEqual({ applied: 1, duplicates: 0, unknown: 0 });
    expect((await messageRow(t.app, m.id)).delivery_state).toBe('delivered');
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 1, deliveryErrors: 0 });

    await ingest(eventFor(m, 'failed', { reason: '550 mailbox gone' }));
    const after = await messageRow(t.app, m.id);
    expect(after).toMatchObject({ delivery_state: 'failed', delivery_error: '550 mailbox gone', delivery_updated_at: clock.now() });
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 0, deliveryErrors: 1 });
    await expectCountersMatchRows(m.communication_id);
  });

  it('never turns failed back into delivered', async () => {
    const m = await one();
    await ingest(eventFor(m, 'failed', { reason: 'carrier rejected' }));
    await ingest(eventFor(m, 'delivered'));
    expect(await messageRow(t.app, m.id)).toMatchObject({ delivery_state: 'failed', delivery_error: 'carrier rejected' });
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 0, deliveryErrors: 1 });
  });

  it('lets a late non-final event (deferred) change nothing final', async () => {
    const m = await one();
    await ingest(eventFor(m, 'delivered'));
    const before = await messageRow(t.app, m.id);
    clock.advance(1_000);
    expect(await ingest(eventFor(m, 'accepted'))).toEqual({ applied: 1, duplicates: 0, unknown: 0 });
    expect(await messageRow(t.app, m.id)).toEqual(before);
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 1, deliveryErrors: 0 });
  });

  it('applies an event once, however often it is sent (in one batch or across batches)', async () => {
    const m = await one();
    const delivered = eventFor(m, 'delivered', { eventKey: 'same-key' });
    expect(await ingest(delivered, delivered)).toEqual({ applied: 1, duplicates: 1, unknown: 0 });
    expect(await ingest(delivered)).toEqual({ applied: 0, duplicates: 1, unknown: 0 });
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 1, deliveryErrors: 0 });
    // Its key is kept once; a delivery of a known message is not kept as an event row.
    const keys = await t.app.store.db.selectFrom('delivery_event_keys').select(['provider', 'event_key']).where('event_key', '=', 'same-key').execute();
    expect(keys).toEqual([{ provider: 'sandbox', event_key: 'same-key' }]);
    expect(await t.app.store.db.selectFrom('delivery_events').select('id').where('event_key', '=', 'same-key').execute()).toEqual([]);
    const metrics = await t.app.metrics.registry.getSingleMetricAsString('crier_delivery_events_total');
    expect(metrics).toMatch(/crier_delivery_events_total\{provider="sandbox",kind="delivered",result="duplicate"\} [1-9]/);
  });

  it('applies a delivery that echoes Crier\'s id once, storing no key, and knows its copies by the message\'s state', async () => {
    const m = await one();
    const delivered = eventFor(m, 'delivered', { eventKey: `echo-${m.id}`, messageId: m.id });
    expect(await ingest(delivered, delivered)).toEqual({ applied: 1, duplicates: 1, unknown: 0 });
    expect((await messageRow(t.app, m.id)).delivery_state).toBe('delivered');
    expect(await t.app.store.db.selectFrom('delivery_event_keys').select('event_key').where('event_key', '=', `echo-${m.id}`).execute()).toEqual([]);
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 1, deliveryErrors: 0 });
    // A copy a later post brings, or another report of the same delivery, says nothing new.
    expect(await ingest(delivered)).toEqual({ applied: 0, duplicates: 1, unknown: 0 });
    expect(await ingest(eventFor(m, 'delivered', { messageId: m.id }))).toEqual({ applied: 0, duplicates: 1, unknown: 0 });
    expect(await ingest(eventFor(m, 'delivered'))).toEqual({ applied: 0, duplicates: 1, unknown: 0 });
    expect(await t.app.store.db.selectFrom('delivery_event_keys').select('event_key').where('event_key', '=', `echo-${m.id}`).execute()).toEqual([]);
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 1, deliveryErrors: 0 });
    // Any other event of the delivered message still counts once by its key.
    const complaint = eventFor(m, 'complaint', { messageId: m.id });
    expect(await ingest(complaint, complaint)).toEqual({ applied: 1, duplicates: 1, unknown: 0 });
    await expectCountersMatchRows(m.communication_id);
  });

  it('counts the deliveries of one batch by each message\'s own communication, a hundred and more at once', async () => {
    const first = await sendCommunication(t.app, 111);
    const second = await sendCommunication(t.app, 3);
    // 114 deliveries naming Crier's ids, two communications interleaved: statements of 100, 10 and 1 rows on SQLite.
    const events = [...first.messages, ...second.messages]
      .sort((a, b) => (a.id % 7) - (b.id % 7) || a.id - b.id)
      .map((m) => eventFor(m, 'delivered', { messageId: m.id }));
    expect(await ingest(...events)).toEqual({ applied: 114, duplicates: 0, unknown: 0 });
    expect(await countersOf(t.app, first.id)).toEqual({ delivered: 111, deliveryErrors: 0 });
    expect(await countersOf(t.app, second.id)).toEqual({ delivered: 3, deliveryErrors: 0 });
    await expectCountersMatchRows(first.id);
    await expectCountersMatchRows(second.id);
    expect(await ingest(...events)).toEqual({ applied: 0, duplicates: 114, unknown: 0 });
    expect(await countersOf(t.app, first.id)).toEqual({ delivered: 111, deliveryErrors: 0 });
  });

  it('applies the quick deliveries of two providers in one batch, each only to its own provider\'s messages', async () => {
    const { id, messages } = await sendCommunication(t.app, 4);
    const [a, b, c, d] = messages as [SentMessage, SentMessage, SentMessage, SentMessage];
    // As if b and c had gone through Mailgun (same provider ids: only the provider tells them apart).
    await t.app.store.db.updateTable('messages').set({ provider: 'mailgun' }).where('id', 'in', [b.id, c.id]).execute();
    const from = (provider: string, m: SentMessage) => ({ ...eventFor(m, 'delivered', { messageId: m.id }), provider });
    expect(await ingest(from('sandbox', a), from('mailgun', b), from('sandbox', c), from('mailgun', c), from('sandbox', d))).toEqual({ applied: 4, duplicates: 0, unknown: 1 });
    expect(await Promise.all(messages.map(async (m) => (await messageRow(t.app, m.id)).delivery_state))).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(await countersOf(t.app, id)).toEqual({ delivered: 4, deliveryErrors: 0 });
    await expectCountersMatchRows(id);
  });

  it('lets a bounce in the same batch beat a delivery that echoes Crier\'s id, in either order', async () => {
    for (const order of ['delivered first', 'bounce first']) {
      const m = await one();
      const delivered = eventFor(m, 'delivered', { messageId: m.id });
      const bounce = eventFor(m, 'failed', { messageId: m.id, reason: `550 gone (${order})`, hardBounce: true });
      expect(await ingest(...(order === 'delivered first' ? [delivered, bounce] : [bounce, delivered]))).toEqual({ applied: 2, duplicates: 0, unknown: 0 });
      expect(await messageRow(t.app, m.id)).toMatchObject({ delivery_state: 'failed', delivery_error: `550 gone (${order})` });
      expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 0, deliveryErrors: 1 });
    }
  });

  it('counts two deliveries of one message in one batch once, and names no message whose provider id differs', async () => {
    const m = await one();
    expect(await ingest(eventFor(m, 'delivered', { messageId: m.id }), eventFor(m, 'delivered', { messageId: m.id }))).toEqual({ applied: 1, duplicates: 1, unknown: 0 });
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 1, deliveryErrors: 0 });
    const other = await one();
    // Crier's id of one message with another's provider id: it names neither.
    expect(await ingest(eventFor({ provider_message_id: 'sbx_someone_else' }, 'delivered', { messageId: other.id }))).toEqual({ applied: 0, duplicates: 0, unknown: 1 });
    expect((await messageRow(t.app, other.id)).delivery_state).toBe('in_progress');
    // Before its true delivery in the same batch, such an event does not keep the true one out.
    const wrongFirst = eventFor({ provider_message_id: 'sbx_someone_else' }, 'delivered', { messageId: other.id });
    expect(await ingest(wrongFirst, eventFor(other, 'delivered', { messageId: other.id }))).toEqual({ applied: 1, duplicates: 0, unknown: 1 });
    expect((await messageRow(t.app, other.id)).delivery_state).toBe('delivered');
    expect(await countersOf(t.app, other.communication_id)).toEqual({ delivered: 1, deliveryErrors: 0 });
  });

  it('applies a final report that comes after the no-report deadline', async () => {
    const m = await one();
    await t.app.store.db.updateTable('messages').set({ delivery_state: 'no_report' }).where('id', '=', m.id).execute();
    await ingest(eventFor(m, 'delivered'));
    expect((await messageRow(t.app, m.id)).delivery_state).toBe('delivered');
    await expectCountersMatchRows(m.communication_id);
    const echoed = await one();
    await t.app.store.db.updateTable('messages').set({ delivery_state: 'no_report' }).where('id', '=', echoed.id).execute();
    await ingest(eventFor(echoed, 'delivered', { messageId: echoed.id }));
    expect((await messageRow(t.app, echoed.id)).delivery_state).toBe('delivered');
    await expectCountersMatchRows(echoed.communication_id);
  });

  it('keeps every counter equal to a recount through a shuffled, overlapping stream of events', async () => {
    const { id, messages } = await sendCommunication(t.app, 40);
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const events: DeliveryEvent[] = [];
    const expected = new Map<number, string>();
    for (const m of messages) {
      const kinds = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(['accepted', 'delivered', 'delivered', 'failed'] as const));
      // Some echo Crier's id (SendGrid, Mailgun), some name the message by the provider's id alone (Twilio).
      for (const kind of kinds) events.push(eventFor(m, kind, { reason: kind === 'failed' ? 'bounced' : undefined, messageId: random() < 0.5 ? m.id : undefined }));
      expected.set(m.id, kinds.includes('failed') ? 'failed' : kinds.includes('delivered') ? 'delivered' : 'in_progress');
    }
    const stream = [...events, ...events.filter(() => random() < 0.3)].sort(() => random() - 0.5);
    for (let i = 0; i < stream.length; ) {
      // Several batches at once, as concurrent webhook posts would arrive.
      const wave = Array.from({ length: 3 }, () => stream.slice(i, (i += 1 + Math.floor(random() * 12))));
      await Promise.all(wave.map((batch) => t.app.delivery.ingest(batch)));
      await expectCountersMatchRows(id);
    }
    const rows = await t.app.store.db.selectFrom('messages').select(['id', 'delivery_state']).where('communication_id', '=', id).execute();
    expect(new Map(rows.map((r) => [Number(r.id), r.delivery_state]))).toEqual(expected);
    // Every key but a delivery's is kept (a delivery's copies are known by the message's state).
    const stored = await t.app.store.db.selectFrom('delivery_event_keys').select('event_key').where('event_key', 'in', events.map((e) => e.eventKey)).execute();
    const storedKeys = new Set(stored.map((k) => k.event_key));
    expect(events.filter((e) => e.kind !== 'delivered' && !storedKeys.has(e.eventKey))).toEqual([]);
    // The event rows kept are those someone may read again: the failures.
    const kept = await t.app.store.db.selectFrom('delivery_events').select('type').where('event_key', 'in', events.map((e) => e.eventKey)).execute();
    expect(new Set(kept.map((k) => k.type))).toEqual(new Set(events.some((e) => e.kind === 'failed') ? ['failed'] : []));
  });

  it('stores events for unknown messages, and applies them once the hand-over is recorded', async () => {
    const m = await one();
    const early = { ...m, provider_message_id: `sbx_not_yet_${m.id}` };
    expect(await ingest(eventFor(early, 'delivered'))).toEqual({ applied: 0, duplicates: 0, unknown: 1 });
    const matcher = lateMatches({ store: t.app.sendingStore.delivery });
    await matcher.run(clock.now());
    expect((await messageRow(t.app, m.id)).delivery_state).toBe('in_progress');

    await t.app.store.db.updateTable('messages').set({ provider_message_id: early.provider_message_id }).where('id', '=', m.id).execute();
    await Promise.all([matcher.run(clock.now()), matcher.run(clock.now())]);
    await matcher.run(clock.now());
    expect((await messageRow(t.app, m.id)).delivery_state).toBe('delivered');
    expect(await countersOf(t.app, m.communication_id)).toEqual({ delivered: 1, deliveryErrors: 0 });
  });

  it('keeps the payload of a delivery naming Crier\'s id whose message is unknown, beside deliveries applied the quick way', async () => {
    // On SQLite these go through the intake's thread, which asks for such payloads only when needed.
    const { messages } = await sendCommunication(t.app, 2);
    const [a, b] = messages as [SentMessage, SentMessage];
    const stray = { ...eventFor({ provider_message_id: `sbx_stray_${a.id}` }, 'delivered', { messageId: a.id }), payload: { stray: true, n: a.id, text: 'é ✓' } };
    const failure = { ...eventFor(b, 'failed', { messageId: b.id, reason: 'bounced' }), payload: { bounce: b.id } };
    expect(await ingest(eventFor(a, 'delivered', { messageId: a.id }), stray, failure)).toEqual({ applied: 2, duplicates: 0, unknown: 1 });
    const kept = await t.app.store.db.selectFrom('delivery_events').select(['event_key', 'payload']).where('event_key', 'in', [stray.eventKey, failure.eventKey]).orderBy('id').execute();
    expect(new Map(kept.map((k) => [k.event_key, JSON.parse(String(k.payload)) as unknown]))).toEqual(
      new Map<string, unknown>([
        [stray.eventKey, stray.payload],
        [failure.eventKey, failure.payload],
      ]),
    );
  });

  it('marks messages without a final report past the deadline as no report, counting them nowhere', async () => {
    const { id, messages } = await sendCommunication(t.app, 3);
    await dispatcher.stop();
    const [reported, overdue, recent] = messages as [SentMessage, SentMessage, SentMessage];
    await ingest(eventFor(reported, 'delivered'));
    const sweep = noReportSweep({ store: t.app.sendingStore.delivery, deliveryReportMs: t.app.config.sending.deliveryReportMs });
    expect(t.app.config.sending.deliveryReportMs).toBe(72 * HOUR);

    clock.advance(72 * HOUR - 1_000);
    await t.app.store.db.updateTable('messages').set({ sent_at: clock.now() }).where('id', '=', recent.id).execute();
    await sweep.run(clock.now());
    expect((await messageRow(t.app, overdue.id)).delivery_state).toBe('in_progress');

    clock.advance(2_000);
    await sweep.run(clock.now());
    expect(await messageRow(t.app, overdue.id)).toMatchObject({ delivery_state: 'no_report', delivery_updated_at: clock.now() });
    expect((await messageRow(t.app, recent.id)).delivery_state).toBe('in_progress');
    expect((await messageRow(t.app, reported.id)).delivery_state).toBe('delivered');
    expect(await countersOf(t.app, id)).toEqual({ delivered: 1, deliveryErrors: 0 });
    await expectCountersMatchRows(id);

    await ingest(eventFor(overdue, 'failed', { reason: 'late bounce' }));
    expect((await messageRow(t.app, overdue.id)).delivery_state).toBe('failed');
    expect(await countersOf(t.app, id)).toEqual({ delivered: 1, deliveryErrors: 1 });
  });
});
