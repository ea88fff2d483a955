// The SendGrid Signed Event Webhook through the provider's endpoint: a P-256 key pair made here
// signs the saved payloads; every kind of refusal; the events each SendGrid event type becomes.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../src/domain/delivery.js';
import type { ProviderCapabilities, WebhookEndpoint, WebhookVerdict } from '../../src/providers/provider.js';
import { sendgrid } from '../../src/providers/sendgrid/index.js';
import { parsePublicKey } from '../../src/providers/sendgrid/sendgrid.signature.js';
import { signedHeaders, webhookKeyPair } from '../harness/sendgrid-api.js';

const FIXTURE = readFileSync(new URL('./fixtures/sendgrid/events.json', import.meta.url));
const NOW = 1_767_226_700_000; // just after the fixture's last event
const API_KEY = 'SG.webhook-test-key.do-not-show';

const keyPair = webhookKeyPair;
const signed = signedHeaders;

function endpointWith(settings: Record<string, string>): WebhookEndpoint {
  const provider = sendgrid.create({
    settings: sendgrid.settings.parse({ SENDGRID_API_KEY: API_KEY, ...settings }),
    publicUrl: 'http://crier.test',
    channels: ['email'],
    capabilities: {} as ProviderCapabilities,
    logger: pino({ level: 'silent' }),
    now: () => NOW,
  });
  expect(provider.webhooks?.map((w) => w.path)).toEqual(['sendgrid']);
  return provider.webhooks![0]!;
}

const keys = keyPair();
const endpoint = endpointWith({ SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicBase64 });
const call = (body: Buffer, headers: Record<string, string>, now = NOW) => endpoint.handle({ rawBody: body, headers, url: 'http://crier.test/webhooks/sendgrid', now });
const eventsOf = (verdict: WebhookVerdict) => {
  if (!verdict.ok) throw new Error(`refused ${verdict.status}: ${verdict.reason}`);
  return verdict.events as MessageEvent[];
};
const refusal = (verdict: WebhookVerdict) => (verdict.ok ? null : { status: verdict.status, reason: verdict.reason });

describe('SendGrid event webhook', () => {
  it('accepts a signed call and maps each event type', async () => {
    const events = eventsOf(await call(FIXTURE, signed(keys.privateKey, FIXTURE, NOW / 1000)));
    const requestId = 'q7Lm2XoPRt6bN1vYcA9fKg';
    expect(events.map((e) => [e.payload && (e.payload as { event: string }).event, e.kind, e.hardBounce, e.providerMessageId])).toEqual([
      ['processed', 'accepted', undefined, `${requestId}#101`],
      ['deferred', 'accepted', undefined, `${requestId}#101`],
      ['delivered', 'delivered', undefined, `${requestId}#101`],
      ['bounce', 'failed', true, `${requestId}#102`],
      ['bounce', 'failed', false, `${requestId}#103`],
      ['dropped', 'failed', false, `${requestId}#104`],
      ['spamreport', 'complaint', undefined, `${requestId}#101`],
      ['unsubscribe', 'unsubscribed', undefined, `${requestId}#105`],
      ['group_unsubscribe', 'unsubscribed', undefined, `${requestId}#106`],
      // open, click and group_resubscribe are not stored; an event without crier_message_id still goes in.
      ['delivered', 'delivered', undefined, 'Zm9yZWlnblJlcXVlc3RJZDAx#'],
    ]);
    const bounce = events[3]!;
    expect(bounce).toMatchObject({
      provider: 'sendgrid',
      eventKey: 'Ym91bmNlLWZpeHR1cmUtMg',
      occurredAt: 1_767_225_700_000,
      reason: '550 5.1.1 The email account that you tried to reach does not exist.',
    });
    expect(events[4]!.reason).toBe('554 5.7.1 Service unavailable; Client host blocked using a block list');
    expect(events[5]!.reason).toBe('Bounced Address (5.0.0)');
    expect(events[0]!.reason).toBeUndefined();
    expect(events[3]!.payload).toEqual(JSON.parse(FIXTURE.toString())[3]);
  });

  it('gives an event without sg_event_id a key hashed from its content', async () => {
    const one = { email: 'a@example.com', timestamp: 1767226600, event: 'delivered', sg_message_id: 'abc.def', crier_message_id: '9' };
    const body = Buffer.from(JSON.stringify([one, one, { ...one, timestamp: 1767226601 }]));
    const [a, b, c] = eventsOf(await call(body, signed(keys.privateKey, body, NOW / 1000)));
    expect(a!.eventKey).toMatch(/^sha256:/);
    expect(b!.eventKey).toBe(a!.eventKey);
    expect(c!.eventKey).not.toBe(a!.eventKey);
  });

  it('401 without the signature headers, or when no public key is configured', async () => {
    const headers = signed(keys.privateKey, FIXTURE, NOW / 1000);
    expect(refusal(await call(FIXTURE, { 'content-type': 'application/json' }))).toEqual({ status: 401, reason: expect.stringMatching(/unsigned call/) });
    const { 'x-twilio-email-event-webhook-timestamp': _ts, ...withoutTimestamp } = headers;
    expect(refusal(await call(FIXTURE, withoutTimestamp))?.status).toBe(401);
    const unconfigured = endpointWith({});
    const verdict = await unconfigured.handle({ rawBody: FIXTURE, headers, url: 'http://crier.test/webhooks/sendgrid', now: NOW });
    expect(refusal(verdict)).toEqual({ status: 401, reason: expect.stringMatching(/SENDGRID_WEBHOOK_PUBLIC_KEY is not configured/) });
  });

  it('403 for a wrong signature, a tampered body, or a timestamp too old or in the future', async () => {
    const other = keyPair();
    expect(refusal(await call(FIXTURE, signed(other.privateKey, FIXTURE, NOW / 1000)))).toEqual({ status: 403, reason: expect.stringMatching(/does not verify/) });
    expect(refusal(await call(FIXTURE, { ...signed(keys.privateKey, FIXTURE, NOW / 1000), 'x-twilio-email-event-webhook-signature': 'bm90LWEtc2lnbmF0dXJl' }))?.status).toBe(403);
    const tampered = Buffer.from(FIXTURE.toString().replace('"type": "bounce"', '"type": "blocked"'));
    expect(refusal(await call(tampered, signed(keys.privateKey, FIXTURE, NOW / 1000)))?.status).toBe(403);
    // The timestamp is signed too: moving it breaks the signature.
    expect(refusal(await call(FIXTURE, { ...signed(keys.privateKey, FIXTURE, NOW / 1000), 'x-twilio-email-event-webhook-timestamp': String(NOW / 1000 + 1) }))?.status).toBe(403);
    expect(refusal(await call(FIXTURE, signed(keys.privateKey, FIXTURE, NOW / 1000 - 601)))).toEqual({ status: 403, reason: 'signed 601 s ago, older than CRIER_WEBHOOK_MAX_AGE_SECONDS (600)' });
    expect(refusal(await call(FIXTURE, signed(keys.privateKey, FIXTURE, NOW / 1000 - 600)))).toBeNull();
    expect(refusal(await call(FIXTURE, signed(keys.privateKey, FIXTURE, NOW / 1000 + 3600)))?.status).toBe(403);
    const strict = endpointWith({ SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicBase64, CRIER_WEBHOOK_MAX_AGE_SECONDS: '60' });
    const old = await strict.handle({ rawBody: FIXTURE, headers: signed(keys.privateKey, FIXTURE, NOW / 1000 - 61), url: 'http://crier.test/webhooks/sendgrid', now: NOW });
    expect(refusal(old)?.status).toBe(403);
  });

  it('400 for a verified body that is not SendGrid events; never throws', async () => {
    for (const text of ['not json', '{"event":"delivered"}', '[1]', '[{"timestamp":1}]']) {
      const body = Buffer.from(text);
      expect(refusal(await call(body, signed(keys.privateKey, body, NOW / 1000)))?.status).toBe(400);
    }
  });

  it('no verdict reason shows the API key', async () => {
    const verdicts = await Promise.all([
      call(FIXTURE, {}),
      call(FIXTURE, signed(keyPair().privateKey, FIXTURE, NOW / 1000)),
      call(FIXTURE, signed(keys.privateKey, FIXTURE, 1)),
      call(Buffer.from('x'), signed(keys.privateKey, Buffer.from('x'), NOW / 1000)),
    ]);
    for (const v of verdicts) expect(refusal(v)!.reason).not.toContain(API_KEY);
  });

  it('takes the key as base64 DER or PEM, and refuses anything else', () => {
    expect(parsePublicKey(keys.publicPem).asymmetricKeyType).toBe('ec');
    expect(() => parsePublicKey('bm90IGEga2V5')).toThrow(/is not a public key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(() => parsePublicKey(rsa)).toThrow(/P-256/);
  });

  it('verifies and parses 1,000 events in one call (timed)', async () => {
    const template = JSON.parse(FIXTURE.toString()) as Record<string, unknown>[];
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...template[i % 9]!, sg_event_id: `bulk-${i}`, crier_message_id: String(10_000 + i) }));
    const body = Buffer.from(JSON.stringify(many));
    const headers = signed(keys.privateKey, body, NOW / 1000);
    const started = performance.now();
    const events = eventsOf(await call(body, headers));
    const ms = performance.now() - started;
    console.log(`SendGrid webhook: 1,000 events (${Math.round(body.length / 1024)} KB) verified and parsed in ${ms.toFixed(1)} ms`);
    expect(events).toHaveLength(1000);
    expect(ms).toBeLessThan(2_000);
  });
});
