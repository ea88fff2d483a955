// The one webhook route: each provider's endpoints, verified over the bytes as received, then
// the one delivery intake. Exercised with a provider module of its own (no real provider), so a
// failure here is the route's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { uuidFor } from '../harness/accounts.js';
import { EMAIL_AND_SMS, messageRow, sendCommunication, type SentMessage } from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { sign } from '../harness/webhook-provider-module.js';

const SECRET = 'hooked-test-secret-value';

describeEachDialect('webhook route', (ctx) => {
  let t: TestServer;
  let dispatcher: Dispatcher;
  let sent: SentMessage[];
  beforeAll(async () => {
    t = await startTestServer(ctx.url(), {
      env: {
        CRIER_PUBLIC_URL: 'https://crier.isp.example/',
        CRIER_PROVIDER_MODULES: 'test/harness/webhook-provider-module.ts',
        CRIER_EMAIL_PROVIDER: 'hooked',
        CRIER_SMS_PROVIDER: 'hooked',
        CRIER_HOOKED_SECRET: SECRET,
      },
    });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
    const rows = [1, 2].map((n) => `${uuidFor(7_100_000 + n)},H${n},h${n}@example.com,`);
    ({ messages: sent } = await sendCommunication(t.app, 0, { content: EMAIL_AND_SMS, csvRows: rows }));
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
  });

  const post = (body: string, headers: Record<string, string> = {}, query = '') =>
    t.server.inject({ method: 'POST', url: `/webhooks/hooked/events${query}`, headers: { 'content-type': 'application/json', ...headers }, payload: body });
  const storedEvents = async () => Number((await t.app.store.db.selectFrom('delivery_event_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('refuses a call without a signature (401) or with a wrong one (403), storing nothing', async () => {
    const body = JSON.stringify({ events: [{ id: `hk-${sent[0]!.id}`, status: 'failed', key: 'e-refused' }] });
    const missing = await post(body);
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: { code: 'webhook_rejected', message: 'no x-hooked-signature header' } });
    const wrong = await post(body, { 'x-hooked-signature': sign('another secret', body) });
    expect(wrong.statusCode).toBe(403);
    expect(JSON.stringify(wrong.json())).not.toContain(SECRET);
    expect(await storedEvents()).toBe(0);
    expect((await messageRow(t.app, sent[0]!.id)).delivery_state).toBe('in_progress');
  });

  it('verifies over the exact bytes received (whitespace, key order and all), then applies the events', async () => {
    // Re-serialised JSON would differ from these bytes, and its signature with it.
    const body = `{ "events" : [ {"status":"delivered", "id":"hk-${sent[0]!.id}", "key":"e-1"},\n {"id":"hk-${sent[1]!.id}","status":"failed","key":"e-2"} ] }`;
    const response = await post(body, { 'x-hooked-signature': sign(SECRET, body) }, '?batch=7');
    expect(response.statusCode).toBe(200);
    // The endpoint saw the URL as the world calls it, with the query string, for signatures over it.
    expect(response.body).toBe('ok https://crier.isp.example/webhooks/hooked/events?batch=7');
    expect((await messageRow(t.app, sent[0]!.id)).delivery_state).toBe('delivered');
    const failed = await messageRow(t.app, sent[1]!.id);
    expect(failed.delivery_state).toBe('failed');
    expect(failed.delivery_error).toBe('hooked says e-2 failed');
  });

  it('counts a replayed event once, and keeps events naming unknown messages aside', async () => {
    const body = JSON.stringify({ events: [{ id: `hk-${sent[0]!.id}`, status: 'delivered', key: 'e-1' }, { id: 'hk-999999999', status: 'delivered', key: 'e-unknown' }] });
    const before = await storedEvents();
    expect((await post(body, { 'x-hooked-signature': sign(SECRET, body) })).statusCode).toBe(200);
    expect(await storedEvents()).toBe(before + 1);
    const unknown = await t.app.store.db.selectFrom('delivery_events').select(['message_id', 'provider_message_id']).where('event_key', '=', 'e-unknown').executeTakeFirstOrThrow();
    expect(unknown).toEqual({ message_id: null, provider_message_id: 'hk-999999999' });
  });

  it("keeps the provider's own record of failures and of unknown messages, and only the key of a delivery", async () => {
    const payloads = Object.fromEntries(
      (await t.app.store.db.selectFrom('delivery_events').select(['event_key', 'payload']).execute()).map((r) => [r.event_key, JSON.parse(r.payload) as unknown]),
    );
    expect(payloads['e-1']).toBeUndefined();
    const keys = await t.app.store.db.selectFrom('delivery_event_keys').select('event_key').where('provider', '=', 'hooked').orderBy('event_key').execute();
    expect(keys.map((k) => k.event_key)).toEqual(['e-1', 'e-2', 'e-unknown']);
    expect(payloads['e-2']).toEqual({ id: `hk-${sent[1]!.id}`, status: 'failed', key: 'e-2' });
    expect(payloads['e-unknown']).toEqual({ id: 'hk-999999999', status: 'delivered', key: 'e-unknown' });
  });

  it('answers 404 in the one error shape for a provider path not in use', async () => {
    const response = await t.server.inject({ method: 'POST', url: '/webhooks/sendgrid', headers: { 'content-type': 'application/json' }, payload: '[]' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBeDefined();
  });
});
