// SendGrid end to end: a communication sent through the real dispatcher to a loopback SendGrid,
// then signed Event Webhook posts through POST /webhooks/sendgrid, read back as delivery states,
// delivery errors and suppressions. Refused posts store nothing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { uuidFor } from '../harness/accounts.js';
import { countersOf, messageRow, sendCommunication, type SentMessage } from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { signedHeaders, startSendGridApi, webhookKeyPair, type SendGridApi } from '../harness/sendgrid-api.js';
import { startTestServer, type TestServer } from '../harness/server.js';

describeEachDialect('SendGrid end to end', (ctx) => {
  const keys = webhookKeyPair();
  let api: SendGridApi;
  let t: TestServer;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    api = await startSendGridApi();
    t = await startTestServer(ctx.url(), {
      env: {
        CRIER_PUBLIC_URL: 'http://crier.test',
        CRIER_EMAIL_PROVIDER: 'sendgrid',
        CRIER_EMAIL_FROM: 'Crier Notices <notices@crier.example>',
        SENDGRID_API_KEY: api.apiKey,
        SENDGRID_BASE_URL: api.url,
        SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicBase64,
      },
    });
    dispatcher = t.app.createDispatcher();
    dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await t?.close();
    await api?.close();
  });

  let serial = 0;
  /** A SendGrid event about a message Crier sent, as the Event Webhook would post it. */
  const event = (m: SentMessage, name: string, extra: Record<string, unknown> = {}) => {
    const accepted = api.accepted.find((a) => a.crierMessageId === String(m.id))!;
    return { email: m.address, timestamp: Math.floor(Date.now() / 1000), event: name, sg_event_id: `e2e-${ctx.dialect}-${++serial}`, sg_message_id: accepted.sgMessageId, ...accepted.customArgs, ...extra };
  };
  const post = (events: unknown[], headers?: (body: Buffer) => Record<string, string>) => {
    const body = Buffer.from(JSON.stringify(events));
    return t.server.inject({ method: 'POST', url: '/webhooks/sendgrid', headers: headers ? headers(body) : signedHeaders(keys.privateKey, body, Date.now() / 1000), payload: body });
  };
  const suppressions = () => t.app.store.db.selectFrom('suppressions').select(['address', 'reason', 'source']).orderBy('id').execute();
  const storedEvents = async () => Number((await t.app.store.db.selectFrom('delivery_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  const rows = [1, 2, 3, 4, 5, 6].map((n) => `${uuidFor(8_100_000 + n)},G${n},g${n}@example.com,`);
  let messages: SentMessage[] = [];
  const by = (address: string) => messages.find((m) => m.address === address)!;

  it('sends through the dispatcher: one request, each message its personalization', async () => {
    ({ messages } = await sendCommunication(t.app, 0, { csvRows: rows }));
    expect(messages).toHaveLength(6);
    expect(api.requests.filter((r) => r.path === '/v3/mail/send')).toHaveLength(1);
    const mail = api.requests.find((r) => r.mail)!.mail!;
    expect(mail.from).toEqual({ email: 'notices@crier.example', name: 'Crier Notices' });
    for (const m of messages) {
      const accepted = api.accepted.find((a) => a.crierMessageId === String(m.id))!;
      expect(m.provider_message_id).toBe(`${accepted.xMessageId}#${m.id}`);
      const p = mail.personalizations.find((x) => x.custom_args.crier_message_id === String(m.id))!;
      expect(p.custom_args).toEqual({ crier_message_id: String(m.id) });
      expect(p.to).toEqual([{ email: m.address }]);
      expect(p.headers?.['List-Unsubscribe']).toMatch(/^<http:\/\/crier\.test\//);
      expect(Object.values(p.substitutions ?? {}).join(' ')).toMatch(new RegExp(`Hello G${m.address.slice(1, 2)}`));
    }
  });

  it('refuses unsigned, wrongly signed, tampered and stale posts, storing nothing', async () => {
    const before = await storedEvents();
    const events = [event(by('g1@example.com'), 'bounce', { type: 'bounce', reason: '550 5.1.1 no such user' })];
    const unsigned = await post(events, () => ({ 'content-type': 'application/json' }));
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toEqual({ error: { code: 'webhook_rejected', message: expect.stringMatching(/unsigned/) } });
    expect((await post(events, (body) => signedHeaders(webhookKeyPair().privateKey, body, Date.now() / 1000))).statusCode).toBe(403);
    expect((await post(events, () => signedHeaders(keys.privateKey, Buffer.from('[]'), Date.now() / 1000))).statusCode).toBe(403);
    expect((await post(events, (body) => signedHeaders(keys.privateKey, body, Date.now() / 1000 - 3600))).statusCode).toBe(403);
    expect(await storedEvents()).toBe(before);
    expect((await messageRow(t.app, by('g1@example.com').id)).delivery_state).toBe('in_progress');
    expect(await suppressions()).toEqual([]);
  });

  it('applies signed events: states, SendGrid reasons, suppressions, duplicates once, no delivered after a bounce', async () => {
    const [g1, g2, g3, g4, g5, g6] = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'].map((g) => by(`${g}@example.com`)) as [SentMessage, SentMessage, SentMessage, SentMessage, SentMessage, SentMessage];
    const bounce = event(g2, 'bounce', { type: 'bounce', reason: '550 5.1.1 The email account that you tried to reach does not exist.', status: '5.1.1' });
    const first = await post([
      event(g1, 'processed'),
      event(g1, 'delivered', { response: '250 OK' }),
      bounce,
      event(g3, 'bounce', { type: 'blocked', reason: '554 5.7.1 Client host blocked' }),
      event(g4, 'dropped', { reason: 'Unsubscribed Address' }),
      event(g5, 'delivered'),
      event(g5, 'spamreport'),
      event(g6, 'delivered'),
      event(g6, 'unsubscribe'),
      event(g6, 'open'),
    ]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ received: 9, applied: 9, duplicates: 0, unknown: 0 });

    // SendGrid retries a post it thinks failed; a delivered arrives after the bounce; a foreign event.
    const second = await post([bounce, event(g2, 'delivered'), { ...event(g1, 'delivered'), crier_message_id: undefined }]);
    expect(second.json()).toEqual({ received: 3, applied: 1, duplicates: 1, unknown: 1 });

    const state = async (m: SentMessage) => {
      const row = await messageRow(t.app, m.id);
      return [row.delivery_state, row.delivery_error];
    };
    expect(await state(g1)).toEqual(['delivered', null]);
    expect(await state(g2)).toEqual(['failed', '550 5.1.1 The email account that you tried to reach does not exist.']);
    expect(await state(g3)).toEqual(['failed', '554 5.7.1 Client host blocked']);
    expect(await state(g4)).toEqual(['failed', 'Unsubscribed Address']);
    expect(await state(g5)).toEqual(['delivered', null]);
    expect(await state(g6)).toEqual(['delivered', null]);
    expect(await suppressions()).toEqual([
      { address: 'g2@example.com', reason: 'hard_bounce', source: expect.stringMatching(/^sendgrid:/) },
      { address: 'g5@example.com', reason: 'complaint', source: expect.stringMatching(/^sendgrid:/) },
      { address: 'g6@example.com', reason: 'unsubscribed', source: expect.stringMatching(/^sendgrid:/) },
    ]);
    expect(await countersOf(t.app, g1.communication_id)).toEqual({ delivered: 3, deliveryErrors: 3 });
  });

  it('sends 1,000 messages in requests of at most 1,000 personalizations and takes in 1,000 events in one post', async () => {
    const requestsBefore = api.requests.length;
    const { id, messages: many } = await sendCommunication(t.app, 1000);
    expect(many).toHaveLength(1000);
    const sent = api.requests.slice(requestsBefore).filter((r) => r.path === '/v3/mail/send');
    expect(sent.every((r) => r.mail!.personalizations.length <= 1000)).toBe(true);
    expect(sent.reduce((n, r) => n + r.mail!.personalizations.length, 0)).toBe(1000);
    const response = await post(many.map((m) => event(m, 'delivered')));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: 1000, applied: 1000, duplicates: 0, unknown: 0 });
    expect(await countersOf(t.app, id)).toEqual({ delivered: 1000, deliveryErrors: 0 });
  });
});
