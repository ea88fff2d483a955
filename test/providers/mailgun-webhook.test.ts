// Mailgun's webhook: the signature (HMAC-SHA256 of timestamp + token), its age, its token used
// once, and each kind of event, replayed from saved payloads.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mailgunWebhook } from '../../src/providers/mailgun/mailgun.webhook.js';
import type { WebhookVerdict } from '../../src/providers/provider.js';

const KEY = 'whk-loopback-signing-key-0123456789';
const NOW = Date.UTC(2030, 0, 1, 9, 0, 0);

function fixture(name: string): {
  signature: Record<string, string>;
  'event-data': Record<string, unknown>;
} {
  return JSON.parse(
    readFileSync(new URL(`./fixtures/mailgun/${name}.json`, import.meta.url), 'utf8'),
  );
}

let serial = 0;
/** A fixture re-signed now with a fresh token (or as told). */
function signed(
  body: { signature: Record<string, string>; 'event-data': Record<string, unknown> },
  options: { key?: string; timestamp?: number; token?: string } = {},
) {
  const timestamp = String(Math.floor((options.timestamp ?? NOW) / 1000));
  const token = options.token ?? `tok${process.pid}x${++serial}`.padEnd(50, '0');
  const signature = createHmac('sha256', options.key ?? KEY)
    .update(`${timestamp}${token}`)
    .digest('hex');
  return { ...body, signature: { timestamp, token, signature } };
}

function endpoint(signingKey: string | null = KEY) {
  const used = new Set<string>();
  const calls: { token: string; expiresAt: number }[] = [];
  const hook = mailgunWebhook({
    ...(signingKey ? { signingKey } : {}),
    maxAgeMs: 600_000,
    forget: async (provider, token) => {
      used.delete(`${provider}:${token}`);
    },
    firstUse: async (provider, token, expiresAt) => {
      calls.push({ token, expiresAt });
      const key = `${provider}:${token}`;
      if (used.has(key)) return false;
      used.add(key);
      return true;
    },
  });
  const post = (body: unknown, now = NOW) =>
    hook.handle({
      rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      headers: { 'content-type': 'application/json' },
      url: 'http://crier.test/webhooks/mailgun',
      now,
    });
  return { hook, post, calls };
}

const rejected = (v: WebhookVerdict) => (v.ok ? null : { status: v.status, reason: v.reason });

describe('Mailgun webhook signature', () => {
  it('accepts a signed call and remembers its token until its timestamp is too old', async () => {
    const { hook, post, calls } = endpoint();
    expect(hook.path).toBe('mailgun');
    const verdict = await post(signed(fixture('delivered')));
    expect(verdict.ok).toBe(true);
    expect(calls).toEqual([{ token: expect.any(String), expiresAt: NOW + 600_000 }]);
  });

  it('forgets the token when its events could not be stored (undo), so Mailgun\'s retry of that call is accepted', async () => {
    const { post } = endpoint();
    const body = signed(fixture('delivered'));
    const first = await post(body);
    expect(first.ok && first.undo).toBeTruthy();
    expect((await post(body)).ok).toBe(false);
    if (first.ok) await first.undo!();
    expect((await post(body)).ok).toBe(true);
  });

  it('refuses every call with 401 when no signing key is configured', async () => {
    const { post } = endpoint(null);
    expect(rejected(await post(signed(fixture('delivered'))))).toEqual({
      status: 401,
      reason: 'Mailgun webhooks are not configured here: set MAILGUN_WEBHOOK_SIGNING_KEY',
    });
  });

  it('401 without a signature; 403 for a wrong one, a tampered one, one too old, a replay; 400 for a body that is not JSON', async () => {
    const { post } = endpoint();
    const body = fixture('delivered');
    expect(rejected(await post({ 'event-data': body['event-data'] }))?.status).toBe(401);
    expect(
      rejected(await post({ ...body, signature: { timestamp: '1893488400', token: 'abc' } }))
        ?.status,
    ).toBe(401);
    expect(rejected(await post(signed(body, { key: 'some-other-key' }))))?.toEqual({
      status: 403,
      reason: 'the Mailgun signature does not verify',
    });
    const good = signed(body);
    expect(
      rejected(
        await post({
          ...good,
          signature: { ...good.signature, token: `${good.signature.token}x` },
        }),
      )?.status,
    ).toBe(403);
    expect(
      rejected(
        await post({
          ...good,
          signature: { ...good.signature, timestamp: String(Number(good.signature.timestamp) + 1) },
        }),
      )?.status,
    ).toBe(403);
    expect(
      rejected(await post({ ...good, signature: { ...good.signature, signature: 'zz' } }))?.status,
    ).toBe(403);
    expect(rejected(await post(signed(body, { timestamp: NOW - 601_000 }))))?.toMatchObject({
      status: 403,
      reason: expect.stringMatching(/more than 600 s/),
    });
    expect(rejected(await post(signed(body, { timestamp: NOW + 601_000 }))))?.toMatchObject({
      status: 403,
    });
    expect((await post(good)).ok).toBe(true);
    expect(rejected(await post(good))).toEqual({
      status: 403,
      reason: 'this Mailgun webhook token was already used (a replay)',
    });
    expect(rejected(await post('{not json'))?.status).toBe(400);
    expect(
      rejected(await post(signed({ ...body, 'event-data': { event: 'delivered' } })))?.status,
    ).toBe(400);
  });

  it('never says the signing key in a verdict', async () => {
    const { post } = endpoint();
    const body = fixture('delivered');
    const verdicts = [
      await post(signed(body, { key: 'x' })),
      await post({}),
      await post(signed(body, { timestamp: 0 })),
    ];
    for (const v of verdicts) expect(JSON.stringify(v)).not.toContain(KEY);
  });
});

describe('Mailgun webhook events', () => {
  const one = async (name: string) => {
    const verdict = await endpoint().post(signed(fixture(name)));
    if (!verdict.ok) throw new Error(verdict.reason);
    return verdict.events;
  };
  const MID = '20300101090000.000001.loop@mg.example.com#1';

  it('delivered → delivered, keyed by the event id, at its (fractional) timestamp', async () => {
    const [event] = await one('delivered');
    expect(event).toEqual({
      provider: 'mailgun',
      eventKey: 'dlv-Q1w2E3r4T5y6U7i8',
      providerMessageId: MID,
      messageId: Number(MID.split('#')[1]),
      kind: 'delivered',
      occurredAt: 1893488400512,
      payload: fixture('delivered')['event-data'],
    });
  });

  it('failed permanent (bounce, 550) → failed, hard bounce, with the server’s text', async () => {
    const [event] = await one('failed-permanent');
    expect(event).toMatchObject({
      kind: 'failed',
      hardBounce: true,
      reason: '550 5.1.1 The email account that you tried to reach does not exist',
      eventKey: 'bnc-A1s2D3f4G5h6J7k8',
      providerMessageId: MID,
    });
  });

  it('failed permanent for an earlier complaint → failed, not a bounce, with Mailgun’s description', async () => {
    const [event] = await one('failed-suppress-complaint');
    expect(event).toMatchObject({
      kind: 'failed',
      reason: 'Not delivering to a user who marked your messages as spam',
    });
    expect(event).not.toHaveProperty('hardBounce');
  });

  it('failed temporary → accepted (Mailgun retries), its reason kept', async () => {
    const [event] = await one('failed-temporary');
    expect(event).toMatchObject({
      kind: 'accepted',
      reason: '452 4.2.2 The email account that you tried to reach is over quota',
    });
  });

  it('complained → complaint; unsubscribed → unsubscribed; accepted → accepted; opened ignored', async () => {
    expect((await one('complained'))[0]).toMatchObject({
      kind: 'complaint',
      providerMessageId: MID,
    });
    expect((await one('unsubscribed'))[0]).toMatchObject({
      kind: 'unsubscribed',
      providerMessageId: MID,
    });
    expect((await one('accepted'))[0]).toMatchObject({ kind: 'accepted', providerMessageId: MID });
    expect(await one('opened')).toEqual([]);
  });

  it('ignores an event of a message Crier did not send (no crier_message_id)', async () => {
    const body = fixture('delivered');
    body['event-data']['user-variables'] = {};
    const verdict = await endpoint().post(signed(body));
    expect(verdict).toMatchObject({ ok: true, events: [] });
  });
});
