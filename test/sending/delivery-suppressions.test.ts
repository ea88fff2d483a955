// Events that suppress an address (hard bounce, complaint, unsubscribe, SMS STOP), the audit row
// each leaves, and a later communication that no longer reaches those addresses.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { uuidFor } from '../harness/accounts.js';
import { EMAIL_AND_SMS, eventFor, messageRow, sendCommunication, type SentMessage } from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';

describeEachDialect('delivery events that suppress', (ctx) => {
  let t: TestServer;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    t = await startTestServer(ctx.url(), { env: { CRIER_SANDBOX_DELIVERY_DELAY_MS: '3600000' } });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
  });

  const rows = [1, 2, 3, 4].map((n) => `${uuidFor(9_000_000 + n)},S${n},s${n}@example.com,+1438555010${n}`);
  const find = (messages: SentMessage[], channel: string, address: string) => messages.find((m) => m.channel === channel && m.address === address)!;
  const suppressions = () => t.app.store.db.selectFrom('suppressions').select(['channel', 'address', 'reason', 'source']).orderBy('id').execute();
  const audits = () =>
    t.app.store.db.selectFrom('audit_log').select(['actor', 'actor_user_id', 'target_type', 'summary']).where('action', '=', 'suppression.added').orderBy('id').execute();

  it('adds one suppression per hard bounce, complaint, unsubscribe and STOP, each audited, without moving delivery states', async () => {
    const { messages } = await sendCommunication(t.app, 0, { content: EMAIL_AND_SMS, csvRows: rows });
    expect(messages).toHaveLength(8);
    const bounced = find(messages, 'email', 's1@example.com');
    const complained = find(messages, 'email', 's2@example.com');
    const unsubscribed = find(messages, 'email', 's3@example.com');
    const softFailed = find(messages, 'sms', '+14385550101');
    await t.app.delivery.ingest([eventFor(complained, 'delivered'), eventFor(unsubscribed, 'delivered')]);

    const result = await t.app.delivery.ingest([
      eventFor(bounced, 'failed', { hardBounce: true, reason: '550 5.1.1 no such user', eventKey: 'bounce-1' }),
      eventFor(complained, 'complaint', { eventKey: 'complaint-1' }),
      eventFor(unsubscribed, 'unsubscribed', { eventKey: 'unsub-1' }),
      eventFor(softFailed, 'failed', { reason: '30003 Unreachable destination handset' }),
      { provider: 'sandbox', eventKey: 'stop-1', kind: 'stop', phone: '+14385550104', occurredAt: Date.now(), payload: { Body: 'STOP' } },
    ]);
    expect(result).toEqual({ applied: 5, duplicates: 0, unknown: 0 });
    expect(await suppressions()).toEqual([
      { channel: 'email', address: 's1@example.com', reason: 'hard_bounce', source: 'sandbox:bounce-1' },
      { channel: 'email', address: 's2@example.com', reason: 'complaint', source: 'sandbox:complaint-1' },
      { channel: 'email', address: 's3@example.com', reason: 'unsubscribed', source: 'sandbox:unsub-1' },
      { channel: 'sms', address: '+14385550104', reason: 'sms_stop', source: 'sandbox:stop-1' },
    ]);
    const audited = await audits();
    expect(audited).toHaveLength(4);
    expect(audited.every((a) => a.actor === 'provider:sandbox' && a.actor_user_id === null && a.target_type === 'suppression')).toBe(true);
    expect(audited[0]!.summary).toMatch(/s1@example\.com: hard bounce/);

    expect((await messageRow(t.app, bounced.id)).delivery_state).toBe('failed');
    expect((await messageRow(t.app, complained.id)).delivery_state).toBe('delivered');
    expect((await messageRow(t.app, unsubscribed.id)).delivery_state).toBe('delivered');
    expect((await messageRow(t.app, softFailed.id)).delivery_state).toBe('failed');

    // The same address again: still one suppression, one audit row.
    await t.app.delivery.ingest([eventFor(complained, 'unsubscribed')]);
    expect(await suppressions()).toHaveLength(4);
    expect(await audits()).toHaveLength(4);
  });

  it('keeps suppressed addresses out of a later communication', async () => {
    const before = await t.app.store.db.selectFrom('sandbox_messages').select('to_address').orderBy('id').execute();
    const { messages } = await sendCommunication(t.app, 0, { content: EMAIL_AND_SMS, csvRows: rows });
    expect(messages.map((m) => `${m.channel} ${m.address}`).sort()).toEqual([
      'email s4@example.com',
      'sms +14385550101',
      'sms +14385550102',
      'sms +14385550103',
    ]);
    const after = await t.app.store.db.selectFrom('sandbox_messages').select('to_address').orderBy('id').execute();
    const newly = after.slice(before.length).map((r) => r.to_address);
    for (const suppressed of ['s1@example.com', 's2@example.com', 's3@example.com', '+14385550104']) expect(newly).not.toContain(suppressed);
  });
});
