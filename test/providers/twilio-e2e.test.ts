// Twilio end to end: a real Crier server sends SMS through the Twilio provider to a loopback
// Twilio, then Twilio's signed callbacks come in through POST /webhooks/twilio/*. What counts is
// what the database says after: delivery states, suppressions, audit rows, stored events.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Content } from '../../src/content/content.js';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { uuidFor } from '../harness/accounts.js';
import { FakeClock } from '../harness/auth.js';
import { messageRow, sendCommunication, type SentMessage } from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { ACCOUNT_SID, AUTH_TOKEN, createdMessage, ERRORS, signTwilio, startTwilioApi, twilioFixture, type TwilioApi } from '../harness/twilio-api.js';

const PUBLIC_URL = 'http://crier.test';
const SMS_ONLY: Content = { defaultLanguage: 'en', email: null, sms: { en: { body: 'Notice for {{ account.first_name }}' } } };
const UNSUBSCRIBED = '+14385550210';

/** Crier with Twilio, pointed at the loopback API; 100 SMS/s (a short code), so no test waits on a long code's 1 a second. */
const twilioEnv = (baseUrl: string) => ({
  CRIER_PUBLIC_URL: PUBLIC_URL,
  CRIER_SMS_PROVIDER: 'twilio',
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM: '+15145550000',
  TWILIO_BASE_URL: baseUrl,
  TWILIO_NUMBER_TYPE: 'short-code',
});

describeEachDialect('Twilio end to end', (ctx) => {
  let api: TwilioApi;
  let t: TestServer;
  let dispatcher: Dispatcher;
  let messages: SentMessage[];

  beforeAll(async () => {
    api = await startTwilioApi();
    api.answer = (r) => (r.form.To === UNSUBSCRIBED ? ERRORS.unsubscribed() : createdMessage(api.accountSid, r.form));
    t = await startTestServer(ctx.url(), {
      env: {
        ...twilioEnv(api.url),
      },
    });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
    const rows = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => `${uuidFor(7_100_000 + n)},T${n},t${n}@example.com,+14385550${200 + n}`);
    ({ messages } = await sendCommunication(t.app, 0, { content: SMS_ONLY, csvRows: rows }));
  }, 60_000);
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
    await api?.close();
  });

  const to = (phone: string) => messages.find((m) => m.address === phone)!;
  const suppressions = () => t.app.store.db.selectFrom('suppressions').select(['channel', 'address', 'reason', 'source']).orderBy('id').execute();
  const audits = () =>
    t.app.store.db.selectFrom('audit_log').select(['action', 'actor', 'summary']).where('action', 'like', 'suppression.%').orderBy('id').execute();
  const storedEvents = async () => Number((await t.app.store.db.selectFrom('delivery_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  function post(path: 'status' | 'inbound', params: URLSearchParams, options: { signature?: string | null; body?: string } = {}): Promise<LightMyRequestResponse> {
    const url = `${PUBLIC_URL}/webhooks/twilio/${path}`;
    const signature = options.signature === undefined ? signTwilio(url, params) : options.signature;
    return t.server.inject({
      method: 'POST',
      url: `/webhooks/twilio/${path}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
      payload: options.body ?? params.toString(),
    });
  }
  const status = (message: SentMessage, messageStatus: string, errorCode?: string) => {
    const params = twilioFixture(errorCode ? 'status-undelivered-30003' : 'status-sent');
    for (const name of ['MessageSid', 'SmsSid']) params.set(name, message.provider_message_id);
    for (const name of ['MessageStatus', 'SmsStatus']) params.set(name, messageStatus);
    params.set('To', message.address);
    if (errorCode) params.set('ErrorCode', errorCode);
    return post('status', params);
  };
  const inbound = (from: string, body: string, sid: string) => {
    const params = twilioFixture('inbound-text');
    params.set('From', from);
    params.set('Body', body);
    for (const name of ['MessageSid', 'SmsSid', 'SmsMessageSid']) params.set(name, sid);
    return post('inbound', params);
  };

  it('sends each SMS as one request with its StatusCallback; Twilio’s sid is the provider message id', async () => {
    expect(messages).toHaveLength(9);
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(10);
    for (const r of api.requests) expect(r.form).toMatchObject({ From: '+15145550000', StatusCallback: `${PUBLIC_URL}/webhooks/twilio/status`, ValidityPeriod: '14400' });
    for (const m of messages) expect(m.provider_message_id).toMatch(/^SM[0-9a-f]{32}$/);
    expect(new Set(messages.map((m) => m.delivery_state))).toEqual(new Set(['in_progress']));
  });

  it('a 21610 fails the message and suppresses the number through the intake, audited', async () => {
    const [failed] = await t.app.store.db.selectFrom('messages').select(['send_state', 'error_code', 'error_message']).where('address', '=', UNSUBSCRIBED).execute();
    expect(failed).toMatchObject({ send_state: 'send_failed', error_code: 'twilio_21610' });
    expect(await suppressions()).toEqual([{ channel: 'sms', address: UNSUBSCRIBED, reason: 'sms_stop', source: expect.stringMatching(new RegExp(`^twilio:send-21610:\\${UNSUBSCRIBED}:\\d+$`)) }]);
    expect(await audits()).toEqual([expect.objectContaining({ action: 'suppression.added', actor: 'provider:twilio' })]);
  });

  it('applies status callbacks in either order: a failure wins over delivered, and nothing after delivered moves it back', async () => {
    const [a, b, c] = [to('+14385550201'), to('+14385550202'), to('+14385550203')];
    for (const r of [await status(a, 'sent'), await status(a, 'delivered'), await status(a, 'undelivered', '30003')]) expect(r.statusCode).toBe(200);
    await status(b, 'failed', '30008');
    await status(b, 'delivered');
    await status(c, 'delivered');
    await status(c, 'sent');
    await status(c, 'sending');
    expect(await messageRow(t.app, a.id)).toMatchObject({ delivery_state: 'failed', delivery_error: 'Twilio error 30003: Unreachable destination handset' });
    expect(await messageRow(t.app, b.id)).toMatchObject({ delivery_state: 'failed', delivery_error: 'Twilio error 30008: Unknown error' });
    expect(await messageRow(t.app, c.id)).toMatchObject({ delivery_state: 'delivered', delivery_error: null });
    // Soft failures suppress nothing.
    expect(await suppressions()).toHaveLength(1);
  });

  it('stores a repeated callback once', async () => {
    const d = to('+14385550204');
    const first = await status(d, 'delivered');
    const again = await status(d, 'delivered');
    expect(first.json()).toMatchObject({ received: 1, applied: 1, duplicates: 0 });
    expect(again.json()).toMatchObject({ received: 1, applied: 0, duplicates: 1 });
    expect((await messageRow(t.app, d.id)).delivery_state).toBe('delivered');
  });

  it('a 30005 (number does not exist) fails the message and suppresses the number; 30003 did not', async () => {
    const e = to('+14385550205');
    await status(e, 'failed', '30005');
    expect(await messageRow(t.app, e.id)).toMatchObject({ delivery_state: 'failed', delivery_error: 'Twilio error 30005: Unknown destination handset' });
    expect((await suppressions()).at(-1)).toMatchObject({ channel: 'sms', address: '+14385550205', reason: 'hard_bounce' });
  });

  it('refuses unsigned, wrongly signed, tampered and re-addressed callbacks, storing nothing', async () => {
    const f = to('+14385550206');
    const params = twilioFixture('status-undelivered-30003');
    for (const name of ['MessageSid', 'SmsSid']) params.set(name, f.provider_message_id);
    const before = await storedEvents();
    const missing = await post('status', params, { signature: null });
    const wrongToken = await post('status', params, { signature: signTwilio(`${PUBLIC_URL}/webhooks/twilio/status`, params, 'someone-elses-token') });
    const changed = new URLSearchParams(params);
    changed.set('ErrorCode', '30005');
    const tampered = await post('status', changed, { signature: signTwilio(`${PUBLIC_URL}/webhooks/twilio/status`, params) });
    const otherUrl = await post('status', params, { signature: signTwilio(`https://elsewhere.example/webhooks/twilio/status`, params) });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: { code: 'webhook_rejected', message: 'missing X-Twilio-Signature header' } });
    for (const r of [wrongToken, tampered, otherUrl]) {
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ error: { code: 'webhook_rejected' } });
      expect(r.body).not.toContain(AUTH_TOKEN);
    }
    expect(await storedEvents()).toBe(before);
    expect(await messageRow(t.app, f.id)).toMatchObject({ delivery_state: 'in_progress' });
    expect(await suppressions()).toHaveLength(2);
  });

  it('inbound STOP suppresses the number and START lifts it, each audited; other text changes nothing', async () => {
    const phone = '+14385550207';
    const auditsBefore = (await audits()).length;
    const stop = await inbound(phone, '  stop ', 'SM000000000000000000000000000000a1');
    expect(stop.statusCode).toBe(200);
    expect(stop.headers['content-type']).toMatch(/^text\/xml/);
    expect(stop.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect((await suppressions()).at(-1)).toEqual({ channel: 'sms', address: phone, reason: 'sms_stop', source: 'twilio:inbound:SM000000000000000000000000000000a1' });

    const chatter = await inbound(phone, 'Is this about Tuesday?', 'SM000000000000000000000000000000a2');
    expect(chatter.statusCode).toBe(200);
    expect((await suppressions()).filter((s) => s.address === phone)).toHaveLength(1);

    await inbound(phone, 'Start', 'SM000000000000000000000000000000a3');
    expect((await suppressions()).filter((s) => s.address === phone)).toEqual([]);
    const added = (await audits()).slice(auditsBefore);
    expect(added.map((a) => [a.action, a.actor])).toEqual([
      ['suppression.added', 'provider:twilio'],
      ['suppression.lifted', 'provider:twilio'],
    ]);

    // A START never lifts what STOP did not add: the 30005 suppression stays.
    await inbound('+14385550205', 'START', 'SM000000000000000000000000000000a4');
    expect((await suppressions()).map((s) => s.address)).toEqual([UNSUBSCRIBED, '+14385550205']);
  });

  it('keeps the suppressed numbers out of the next communication', async () => {
    const before = api.requests.length;
    const rows = [1, 2, 5, 7].map((n) => `${uuidFor(7_100_000 + n)},T${n},t${n}@example.com,+14385550${200 + n}`);
    await sendCommunication(t.app, 0, { content: SMS_ONLY, csvRows: [...rows, `${uuidFor(7_100_010)},T10,t10@example.com,${UNSUBSCRIBED}`] });
    const sentTo = api.requests.slice(before).map((r) => r.form.To).sort();
    expect(sentTo).toEqual(['+14385550201', '+14385550202', '+14385550207']);
  });
});

describeEachDialect('Twilio end to end: bad credentials', (ctx) => {
  let api: TwilioApi;
  let t: TestServer;
  let dispatcher: Dispatcher;
  const clock = new FakeClock();

  beforeAll(async () => {
    api = await startTwilioApi();
    t = await startTestServer(ctx.url(), {
      clock,
      env: {
        ...twilioEnv(api.url),
        // Two attempts in all: a 20003 that spent attempts would fail the message on the second.
        CRIER_SEND_MAX_ATTEMPTS: '2',
        CRIER_SEND_RETRY_BASE_MS: '20',
        CRIER_CIRCUIT_OPEN_AFTER_SECONDS: '60',
      },
    });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
  }, 60_000);
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
    await api?.close();
  });

  it('20003 spends no attempts: after four refusals the message still goes out once the credentials work', async () => {
    api.answer = (r, n) => (n <= 4 ? ERRORS.authentication() : createdMessage(api.accountSid, r.form));
    // The server's clock stands still: move it on so retries come due.
    const ticking = setInterval(() => clock.advance(1_000), 25);
    try {
      const { messages } = await sendCommunication(t.app, 0, { content: SMS_ONLY, csvRows: [`${uuidFor(7_200_001)},U1,u1@example.com,+14385550301`] });
      expect(api.requests.length).toBe(5);
      const [row] = await t.app.store.db.selectFrom('messages').select(['send_state', 'attempts']).execute();
      expect(row).toMatchObject({ send_state: 'sent' });
      expect(messages).toEqual([expect.objectContaining({ address: '+14385550301', provider_message_id: expect.stringMatching(/^SM/) })]);
    } finally {
      clearInterval(ticking);
    }
  });
});
