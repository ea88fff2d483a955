// Mailgun end to end: a communication sent through the dispatcher to a loopback Mailgun, then
// signed webhook calls through the one webhook route, and the polling task finding the reports of
// messages whose webhook never came.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { uuidFor } from '../harness/accounts.js';
import { FakeClock } from '../harness/auth.js';
import {
  EMAIL_AND_SMS,
  messageRow,
  sendCommunication,
  type SentMessage,
} from '../harness/delivery.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startMailgunApi, type MailgunApi } from '../harness/mailgun-api.js';
import { startTestServer, type TestServer } from '../harness/server.js';

const SIGNING_KEY = 'whk-e2e-signing-key-abcdef0123456789';

type Body = { signature: Record<string, string>; 'event-data': Record<string, unknown> };
const fixture = (name: string): Body =>
  JSON.parse(readFileSync(new URL(`./fixtures/mailgun/${name}.json`, import.meta.url), 'utf8'));

let serial = 0;
/** A saved payload about `message`, with its own event id, signed now (the route's clock is the real one). */
function about(
  message: SentMessage,
  name: string,
  eventId = `e2e-${process.pid}-${++serial}`,
): Body {
  const body = fixture(name);
  const [messageId, crierId] = message.provider_message_id.split('#') as [string, string];
  const data = body['event-data'];
  data.id = eventId;
  data.recipient = message.address;
  (data.message as { headers: Record<string, string> }).headers['message-id'] = messageId;
  data['user-variables'] = { crier_message_id: crierId };
  return resign(body);
}

function resign(body: Body): Body {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const token = `e2e${process.pid}t${++serial}`.padEnd(50, 'a');
  return {
    ...body,
    signature: {
      timestamp,
      token,
      signature: createHmac('sha256', SIGNING_KEY).update(`${timestamp}${token}`).digest('hex'),
    },
  };
}

describeEachDialect('Mailgun end to end', (ctx) => {
  let api: MailgunApi;
  let t: TestServer;
  let dispatcher: Dispatcher;
  const clock = new FakeClock();
  beforeAll(async () => {
    api = await startMailgunApi();
    t = await startTestServer(ctx.url(), {
      clock,
      env: {
        CRIER_PUBLIC_URL: 'http://crier.test',
        CRIER_EMAIL_PROVIDER: 'mailgun',
        MAILGUN_API_KEY: api.apiKey,
        MAILGUN_DOMAIN: api.domain,
        MAILGUN_BASE_URL: api.url,
        MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
        CRIER_SANDBOX_DELIVERY_DELAY_MS: '3600000000',
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

  const post = (body: unknown) =>
    t.server.inject({
      method: 'POST',
      url: '/webhooks/mailgun',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const emailsOf = async (base: number, count: number) => {
    const rows = Array.from(
      { length: count },
      (_, i) => `${uuidFor(base + i)},M${i},m${base + i}@example.com,`,
    );
    const { messages } = await sendCommunication(t.app, 0, {
      content: EMAIL_AND_SMS,
      csvRows: rows,
    });
    return messages.filter((m) => m.channel === 'email');
  };
  const storedEvents = async () =>
    Number(
      (
        await t.app.store.db
          .selectFrom('delivery_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const suppressed = async (address: string) =>
    t.app.store.db
      .selectFrom('suppressions')
      .select(['reason', 'source'])
      .where('address', '=', address)
      .execute();

  it('sends through Mailgun in one batch request; signed webhooks deliver, bounce and suppress', async () => {
    const before = api.sends.length;
    const [delivered, bounced, complained] = await emailsOf(8_100_000, 3);
    expect(api.sends.length - before).toBe(1);
    expect(delivered!.provider_message_id).toMatch(
      new RegExp(`^${api.messageIdOf(before + 1).replace(/\./g, '\\.')}#${delivered!.id}$`),
    );

    expect((await post(about(delivered!, 'delivered'))).statusCode).toBe(200);
    expect((await post(about(bounced!, 'failed-permanent'))).statusCode).toBe(200);
    expect((await post(about(complained!, 'delivered'))).statusCode).toBe(200);
    expect((await post(about(complained!, 'complained', 'cpl-e2e-1'))).statusCode).toBe(200);

    expect((await messageRow(t.app, delivered!.id)).delivery_state).toBe('delivered');
    const bouncedRow = await messageRow(t.app, bounced!.id);
    expect(bouncedRow.delivery_state).toBe('failed');
    expect(bouncedRow.delivery_error).toMatch(/550 5\.1\.1/);
    expect(await suppressed(bounced!.address)).toEqual([
      { reason: 'hard_bounce', source: expect.stringMatching(/^mailgun:/) },
    ]);
    expect(await suppressed(complained!.address)).toEqual([
      { reason: 'complaint', source: 'mailgun:cpl-e2e-1' },
    ]);
    expect((await messageRow(t.app, complained!.id)).delivery_state).toBe('delivered');
  });

  it('a replayed call is refused (403) and nothing is stored twice; a delivered after a bounce leaves it failed', async () => {
    const [m] = await emailsOf(8_200_000, 1);
    const bounce = about(m!, 'failed-permanent');
    expect((await post(bounce)).statusCode).toBe(200);
    const stored = await storedEvents();
    const replay = await post(bounce);
    expect(replay.statusCode).toBe(403);
    expect(replay.json()).toEqual({
      error: {
        code: 'webhook_rejected',
        message: 'this Mailgun webhook token was already used (a replay)',
      },
    });
    // The same event again under a fresh token (Mailgun retrying): a duplicate, stored once.
    expect((await post(resign(bounce))).json()).toMatchObject({ duplicates: 1 });
    expect(await storedEvents()).toBe(stored);
    expect((await post(about(m!, 'delivered'))).statusCode).toBe(200);
    expect((await messageRow(t.app, m!.id)).delivery_state).toBe('failed');
  });

  it('refuses unsigned (401), wrongly signed (403) and stale (403) calls, storing nothing', async () => {
    const [m] = await emailsOf(8_300_000, 1);
    const stored = await storedEvents();
    const body = about(m!, 'delivered');
    expect((await post({ 'event-data': body['event-data'] })).statusCode).toBe(401);
    expect(
      (await post({ ...body, signature: { ...body.signature, signature: 'f'.repeat(64) } }))
        .statusCode,
    ).toBe(403);
    const staleAt = String(Math.floor(Date.now() / 1000) - 3600);
    const stale = {
      ...body,
      signature: {
        timestamp: staleAt,
        token: 'stale'.padEnd(50, 'z'),
        signature: createHmac('sha256', SIGNING_KEY)
          .update(`${staleAt}${'stale'.padEnd(50, 'z')}`)
          .digest('hex'),
      },
    };
    const refused = await post(stale);
    expect(refused.statusCode).toBe(403);
    expect(JSON.stringify(refused.json())).not.toContain(SIGNING_KEY);
    expect(await storedEvents()).toBe(stored);
    expect((await messageRow(t.app, m!.id)).delivery_state).toBe('in_progress');
  });

  it('polls the events API for messages whose webhook never came, leaving final ones alone', async () => {
    const [quiet, bounced, alreadyFinal] = await emailsOf(8_400_000, 3);
    expect((await post(about(alreadyFinal!, 'failed-permanent'))).statusCode).toBe(200);
    const eventOf = (m: SentMessage, name: string, id: string) => about(m, name, id)['event-data'];
    api.events.push(
      eventOf(quiet!, 'accepted', 'poll-acc-1'),
      eventOf(quiet!, 'delivered', 'poll-dlv-1'),
      eventOf(bounced!, 'failed-permanent', 'poll-bnc-2'),
      // Would overturn nothing, but must not even be looked at: the message is final.
      eventOf(alreadyFinal!, 'delivered', 'poll-dlv-3'),
    );
    const [task] = t.app.providers.email.tasks!();
    expect(task!.name).toBe('mailgun missing reports');

    // Too early: not looked up before MAILGUN_POLL_AFTER_MINUTES.
    const queries = api.eventQueries.length;
    await task!.run(clock.now());
    expect(api.eventQueries.length).toBe(queries);

    clock.advance(61 * 60_000);
    await task!.run(clock.now());
    const asked = api.eventQueries.slice(queries);
    expect(asked.map((q) => q.get('message-id'))).toContain(
      quiet!.provider_message_id.split('#')[0],
    );
    expect(asked[0]!.get('event')).toBe('delivered OR failed OR complained OR unsubscribed');
    expect((await messageRow(t.app, quiet!.id)).delivery_state).toBe('delivered');
    const bouncedRow = await messageRow(t.app, bounced!.id);
    expect(bouncedRow.delivery_state).toBe('failed');
    expect(await suppressed(bounced!.address)).toHaveLength(1);
    expect((await messageRow(t.app, alreadyFinal!.id)).delivery_state).toBe('failed');
    const keys = await t.app.store.db
      .selectFrom('delivery_event_keys')
      .select('event_key')
      .where('event_key', 'like', 'poll-%')
      .orderBy('event_key')
      .execute();
    expect(keys.map((k) => k.event_key)).toEqual(['poll-bnc-2']);
    // The webhook copy arriving late is a duplicate of the polled event (its message is delivered).
    expect((await post(about(quiet!, 'delivered', 'poll-dlv-1'))).json()).toMatchObject({
      duplicates: 1,
    });
  });

  it('polling obeys a 429 from the events API', async () => {
    const [m] = await emailsOf(8_500_000, 1);
    api.events.push(about(m!, 'delivered', 'poll-429')['event-data']);
    let refusals = 0;
    api.eventsAnswer = () =>
      refusals++ === 0
        ? { status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': '120' } }
        : undefined;
    const [task] = t.app.providers.email.tasks!();
    clock.advance(61 * 60_000);
    await task!.run(clock.now());
    expect((await messageRow(t.app, m!.id)).delivery_state).toBe('in_progress');
    const calls = api.eventQueries.length;
    await task!.run(clock.now() + 60_000);
    expect(api.eventQueries.length).toBe(calls);
    await task!.run(clock.now() + 121_000);
    expect((await messageRow(t.app, m!.id)).delivery_state).toBe('delivered');
    api.eventsAnswer = () => undefined;
  });
});
