// The sandbox end to end: it plans a report for each message it accepts, and its periodic task
// hands the due reports to the delivery intake, like a provider's webhook.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sandboxOutbox } from '../../src/store/engine/provider-capabilities.sql.js';
import { HARD_BOUNCE_TEXT, planReport, sandboxReports, UNREACHABLE_TEXT } from '../../src/providers/sandbox/sandbox.reports.js';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { uuidFor } from '../harness/accounts.js';
import { countersOf, EMAIL_AND_SMS, messagesOf, sendCommunication } from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { recount, waitFor } from '../harness/sending.js';

describeEachDialect('sandbox delivery reports', (ctx) => {
  let t: TestServer;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    t = await startTestServer(ctx.url(), { env: { CRIER_SANDBOX_DELIVERY_DELAY_MS: '0' } });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
  });

  const rows = [
    `${uuidFor(7_000_001)},Bounce,gone@bounce.example,+14385550000`,
    `${uuidFor(7_000_002)},Fine,fine@example.com,+14385551234`,
  ];

  it('plans delivered by default, a hard bounce at bounce.example and error 30003 for numbers ending in 0000', () => {
    const email = { channel: 'email' as const, id: '1', from: 'a@b.c', subject: 's', html: 'h', text: 't', headers: {} };
    expect(planReport({ ...email, to: 'x@bounce.example' })).toEqual({ kind: 'bounced', reason: HARD_BOUNCE_TEXT });
    expect(planReport({ ...email, to: 'x@example.com' })).toEqual({ kind: 'delivered', reason: null });
    expect(planReport({ channel: 'sms', id: '2', to: '+15145550000', body: 'b' })).toEqual({ kind: 'failed', reason: UNREACHABLE_TEXT });
    expect(planReport({ channel: 'sms', id: '3', to: '+15145550001', body: 'b' })).toEqual({ kind: 'delivered', reason: null });
  });

  it('reports through the intake on its own: bounces fail with the provider text, the rest are delivered', async () => {
    const { id } = await sendCommunication(t.app, 0, { content: EMAIL_AND_SMS, csvRows: rows });
    // The dispatcher's own tasks report (and match reports that beat the hand-over's record).
    const messages = await waitFor(async () => {
      const all = await messagesOf(t.app, id);
      return all.every((m) => m.delivery_state !== 'in_progress') && all;
    }, 20_000, 'sandbox reports');
    const state = (channel: string, address: string) => messages.find((m) => m.channel === channel && m.address === address)!;
    expect(state('email', 'gone@bounce.example')).toMatchObject({ delivery_state: 'failed', delivery_error: HARD_BOUNCE_TEXT });
    expect(state('sms', '+14385550000')).toMatchObject({ delivery_state: 'failed', delivery_error: UNREACHABLE_TEXT });
    expect(state('email', 'fine@example.com')).toMatchObject({ delivery_state: 'delivered', delivery_error: null });
    expect(state('sms', '+14385551234')).toMatchObject({ delivery_state: 'delivered', delivery_error: null });
    expect(await countersOf(t.app, id)).toEqual({ delivered: 2, deliveryErrors: 2 });
    const counted = await recount(t.app, id);
    expect({ delivered: counted.delivered, deliveryErrors: counted.deliveryErrors }).toEqual({ delivered: 2, deliveryErrors: 2 });

    const suppressed = await t.app.store.db.selectFrom('suppressions').select(['channel', 'address', 'reason']).execute();
    expect(suppressed).toEqual([{ channel: 'email', address: 'gone@bounce.example', reason: 'hard_bounce' }]);
  });

  it('reports each plan once, however many workers run the task', async () => {
    await t.app.store.db.deleteFrom('suppressions').execute();
    const { id } = await sendCommunication(t.app, 3, { content: EMAIL_AND_SMS, csvRows: rows });
    const task = sandboxReports({ outbox: sandboxOutbox(t.app.engine), ingest: (events) => t.app.delivery.ingest(events) });
    await Promise.all([task.run(Date.now()), task.run(Date.now()), task.run(Date.now())]);
    const pending = await t.app.store.db.selectFrom('sandbox_messages').select('id').where('reported_at', 'is', null).execute();
    expect(pending).toEqual([]);
    const messages = await messagesOf(t.app, id);
    const planned = messages.map((m) => planReport(m.channel === 'email' ? { channel: 'email', id: '', to: m.address, from: '', subject: '', html: '', text: '', headers: {} } : { channel: 'sms', id: '', to: m.address, body: '' }));
    const delivered = planned.filter((p) => p.kind === 'delivered').length;
    expect(delivered).toBeGreaterThan(0);
    // The sender's own report task (running beside these, no delay) may take a plan before the
    // hand-over is recorded: that event waits as unknown until the late matching applies it.
    const want = { delivered, deliveryErrors: messages.length - delivered };
    await waitFor(async () => JSON.stringify(await countersOf(t.app, id)) === JSON.stringify(want), 20_000, 'every report applied');
    expect(await countersOf(t.app, id)).toEqual(want);
    // One report a message, whichever worker made it: one key each (the sandbox keys them by its message id).
    const keys = await t.app.store.db.selectFrom('delivery_event_keys').select('event_key').where('provider', '=', 'sandbox').execute();
    const ofThese = keys.filter((k) => messages.some((m) => k.event_key.startsWith(`${m.provider_message_id}:`)));
    expect(ofThese).toHaveLength(messages.length);
  });

  it('lists what it sent, newest first, with each report, to viewers', async () => {
    const viewer = await t.as('viewer');
    const list = async (query: string) => {
      const res = await viewer({ method: 'GET', url: `/api/sandbox/messages${query}` });
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const bounced = await list('?to=Gone@Bounce.example&channel=email');
    expect(bounced.total).toBe(2);
    expect(bounced.items[0]).toMatchObject({
      channel: 'email',
      to: 'gone@bounce.example',
      subject: 'Notice',
      report: { outcome: 'bounced', reason: HARD_BOUNCE_TEXT, state: 'reported' },
    });
    expect(bounced.items[0].headers['List-Unsubscribe']).toMatch(/^<http.*\/unsubscribe\/\d+\.\[redacted\]>$/);
    expect(bounced.items[0].id).toBeGreaterThan(bounced.items[1].id);

    const sms = await list(`?to=${encodeURIComponent('+14385550000')}&channel=sms&pageSize=1`);
    expect(sms).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(sms.items[0]).toMatchObject({ channel: 'sms', body: 'Notice for Bounce', report: { outcome: 'failed', reason: UNREACHABLE_TEXT } });
    expect((await list('?channel=sms')).total).toBe(7);
    expect((await viewer({ method: 'GET', url: '/api/sandbox/messages?channel=fax' })).statusCode).toBe(400);
  });

  it('shows viewers what was sent without working unsubscribe links; senders and admins get them whole', async () => {
    const content = {
      ...EMAIL_AND_SMS,
      email: { en: { subject: 'Links', html: '<a href="{{ unsubscribe_url }}">Unsubscribe</a>', text: 'Unsubscribe: {{ unsubscribe_url }}' } },
    };
    await sendCommunication(t.app, 0, { content, csvRows: [`${uuidFor(7_000_101)},Links,links@example.com,+14385557777`] });
    const linksOf = async (as: Awaited<ReturnType<TestServer['as']>>) => {
      const res = await as({ method: 'GET', url: '/api/sandbox/messages?to=links@example.com' });
      expect(res.statusCode).toBe(200);
      const [item] = res.json().items as { html: string; body: string; headers: Record<string, string> }[];
      return [item!.html, item!.body, item!.headers['List-Unsubscribe']!].map((text) => /\/unsubscribe\/([^"\s>]+)/.exec(text)![1]!);
    };
    const seenByViewer = await linksOf(await t.as('viewer'));
    expect(seenByViewer).toEqual([expect.stringMatching(/^\d+\.\[redacted\]$/), seenByViewer[0], seenByViewer[0]]);
    for (const token of seenByViewer) expect(t.app.unsubscribe.verify(token)).toBeNull();
    for (const role of ['sender', 'admin'] as const) {
      const seen = await linksOf(await t.as(role));
      for (const token of seen) expect(t.app.unsubscribe.verify(token), role).toEqual(expect.any(Number));
    }
  });
});
