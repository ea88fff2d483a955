// The Twilio provider against a loopback Twilio API: the form it posts, each documented answer
// mapped to the engine's failure kinds, check(), its settings through the config loader, and no
// auth token in anything it says.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { DeliveryEvent } from '../../src/domain/delivery.js';
import { twilio } from '../../src/providers/twilio/index.js';
import { TwilioProvider, type TwilioOptions } from '../../src/providers/twilio/twilio.provider.js';
import type { Outcome, OutgoingSms } from '../../src/providers/provider.js';
import { ACCOUNT_SID, AUTH_TOKEN, createdMessage, ERRORS, startTwilioApi, twilioError, type TwilioApi } from '../harness/twilio-api.js';

const SERVICE_SID = 'MG0123456789abcdef0123456789abcdef';

describe('Twilio provider: sending', () => {
  let api: TwilioApi;
  const providers: TwilioProvider[] = [];
  let ingested: DeliveryEvent[] = [];

  const make = (options: Partial<TwilioOptions> = {}) => {
    const p = new TwilioProvider({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      sender: { from: '+15145550000' },
      baseUrl: api.url,
      numberType: 'long-code',
      validitySeconds: 14_400,
      concurrency: 4,
      publicUrl: 'http://crier.test',
      ingest: async (events) => {
        ingested.push(...events);
      },
      ...options,
    });
    providers.push(p);
    return p;
  };
  const sms = (id: string, to = '+15142000001'): OutgoingSms => ({ channel: 'sms', id, to, body: `Notice ${id}: ünïcode & symbols = fine` });
  const failureOf = (o: Outcome) => {
    if (o.ok) throw new Error(`expected a failure, got ${o.providerMessageId}`);
    return o.failure;
  };

  beforeAll(async () => {
    api = await startTwilioApi();
  });
  afterEach(() => {
    api.requests.length = 0;
    api.answer = (request) => createdMessage(api.accountSid, request.form);
    ingested = [];
  });
  afterAll(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await api.close();
  });

  it('posts one form per SMS with Basic auth, From, StatusCallback under CRIER_PUBLIC_URL and ValidityPeriod; 201 gives the sid', async () => {
    const p = make();
    const outcomes = await p.send([sms('11'), sms('12', '+15142000002')]);
    expect(api.requests).toHaveLength(2);
    for (const r of api.requests) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
      expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
      expect(Object.keys(r.form).sort()).toEqual(['Body', 'From', 'StatusCallback', 'To', 'ValidityPeriod']);
      expect(r.form.From).toBe('+15145550000');
      expect(r.form.StatusCallback).toBe('http://crier.test/webhooks/twilio/status');
      expect(r.form.ValidityPeriod).toBe('14400');
    }
    const byTo = Object.fromEntries(api.requests.map((r) => [r.form.To, r.form.Body]));
    expect(byTo).toEqual({ '+15142000001': 'Notice 11: ünïcode & symbols = fine', '+15142000002': 'Notice 12: ünïcode & symbols = fine' });
    expect(outcomes.map((o) => o.id).sort()).toEqual(['11', '12']);
    for (const o of outcomes) {
      expect(o.ok).toBe(true);
      if (o.ok) expect(o.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    }
  });

  it('sends through a Messaging Service when one is set (and From only when also set)', async () => {
    await make({ sender: { messagingServiceSid: SERVICE_SID }, validitySeconds: 600 }).send([sms('21')]);
    expect(api.requests[0]!.form.MessagingServiceSid).toBe(SERVICE_SID);
    expect(api.requests[0]!.form.From).toBeUndefined();
    expect(api.requests[0]!.form.ValidityPeriod).toBe('600');
    await make({ sender: { messagingServiceSid: SERVICE_SID, from: '+15145550000' } }).send([sms('22')]);
    expect(api.requests[1]!.form).toMatchObject({ MessagingServiceSid: SERVICE_SID, From: '+15145550000' });
  });

  it('declares one SMS a request, its concurrency, the number type’s throughput and the validity', () => {
    expect(make().limits).toEqual({ maxBatchSize: 1, messagesPerSecond: 1, maxConcurrentRequests: 4, rateNote: 'Twilio long-code number: 1 SMS/s', validityMs: 14_400_000 });
    expect(make({ numberType: 'toll-free' }).limits).toMatchObject({ messagesPerSecond: 3, rateNote: 'Twilio toll-free number: 3 SMS/s' });
    expect(make({ numberType: 'short-code', concurrency: 20 }).limits).toMatchObject({ messagesPerSecond: 100, maxConcurrentRequests: 20, rateNote: 'Twilio short code: 100 SMS/s' });
  });

  it('21211 and 21614 fail the message permanently with Twilio’s words', async () => {
    api.answer = (r) => (r.form.To === '+1555' ? ERRORS.invalidNumber(r.form.To) : ERRORS.notMobile(r.form.To!));
    const outcomes = await make().send([sms('31', '+1555'), sms('32', '+15145551234')]);
    const byId = Object.fromEntries(outcomes.map((o) => [o.id, failureOf(o)]));
    expect(byId['31']).toEqual({ kind: 'permanent', code: 'twilio_21211', message: "Twilio 21211: The 'To' number +1555 is not a valid phone number." });
    expect(byId['32']).toEqual({ kind: 'permanent', code: 'twilio_21614', message: "Twilio 21614: 'To' number +15145551234 is not a valid mobile number" });
    expect(ingested).toEqual([]);
  });

  it('21610 fails the message permanently and hands a STOP for the number to the intake', async () => {
    api.answer = () => ERRORS.unsubscribed();
    const [outcome] = await make().send([sms('41', '+15142000041')]);
    expect(failureOf(outcome!)).toMatchObject({ kind: 'permanent', code: 'twilio_21610' });
    expect(failureOf(outcome!).message).toMatch(/replied STOP/);
    expect(ingested).toEqual([
      expect.objectContaining({ provider: 'twilio', kind: 'stop', phone: '+15142000041', eventKey: expect.stringMatching(/^send-21610:\+15142000041:/) }),
    ]);
  });

  it('a 21610 whose intake fails still fails the message (and does not throw)', async () => {
    api.answer = () => ERRORS.unsubscribed();
    const p = make({ ingest: async () => Promise.reject(new Error('database is locked')) });
    const [outcome] = await p.send([sms('42')]);
    expect(failureOf(outcome!).code).toBe('twilio_21610');
  });

  it('20003 (401) makes the provider unavailable, naming the settings but not the token', async () => {
    api.answer = () => ERRORS.authentication();
    const [outcome] = await make().send([sms('51')]);
    expect(failureOf(outcome!)).toEqual({
      kind: 'unavailable',
      code: 'twilio_20003',
      message: 'Twilio authentication failed (20003): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN',
    });
    // A wrong token answered by the real check of the loopback, too.
    const [wrong] = await make({ authToken: 'not-the-token-0000' }).send([sms('52')]);
    expect(failureOf(wrong!).kind).toBe('unavailable');
    expect(JSON.stringify(wrong)).not.toContain('not-the-token-0000');
  });

  it('429 20429 is rate_limited with Retry-After in ms; a bare 429 too', async () => {
    api.answer = () => ERRORS.tooManyRequests(7);
    const [outcome] = await make().send([sms('61')]);
    expect(failureOf(outcome!)).toEqual({ kind: 'rate_limited', code: 'twilio_20429', message: 'Twilio: Too Many Requests', retryAfterMs: 7000 });
    api.answer = () => ({ status: 429, body: '' });
    const [bare] = await make().send([sms('62')]);
    expect(failureOf(bare!)).toMatchObject({ kind: 'rate_limited', code: 'http_429' });
    expect(failureOf(bare!).retryAfterMs).toBeUndefined();
  });

  it('500 and 503 are transient (with Retry-After when given); an unreachable Twilio is transient too', async () => {
    api.answer = (_r, n) => (n % 2 === 1 ? ERRORS.internal() : { ...ERRORS.unavailable(), headers: { 'retry-after': '30' } });
    const p = make();
    const [first] = await p.send([sms('71')]);
    const [second] = await p.send([sms('72')]);
    expect(failureOf(first!)).toEqual({ kind: 'transient', code: 'http_500', message: 'Twilio answered 500: Internal Server Error' });
    expect(failureOf(second!)).toEqual({ kind: 'transient', code: 'http_503', message: 'Twilio answered 503: Service Unavailable', retryAfterMs: 30_000 });
    const closed = await startTwilioApi();
    const url = closed.url;
    await closed.close();
    const [down] = await make({ baseUrl: url }).send([sms('73')]);
    expect(failureOf(down!)).toMatchObject({ kind: 'transient', code: 'network' });
    expect(failureOf(down!).message).toMatch(/^cannot reach Twilio: /);
  });

  it('any other 4xx fails permanently as twilio_<code> with Twilio’s message', async () => {
    api.answer = () => twilioError(400, 21608, 'The number +15142000081 is unverified. Trial accounts cannot send messages to unverified numbers.');
    const [outcome] = await make().send([sms('81')]);
    expect(failureOf(outcome!)).toEqual({
      kind: 'permanent',
      code: 'twilio_21608',
      message: 'Twilio 21608: The number +15142000081 is unverified. Trial accounts cannot send messages to unverified numbers.',
    });
  });

  it('check(): the account answered, or "authentication failed (20003)"', async () => {
    expect(await make().check()).toEqual({ ok: true, detail: `GET /2010-04-01/Accounts/${ACCOUNT_SID}.json answered 200: account active` });
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: `/2010-04-01/Accounts/${ACCOUNT_SID}.json` });
    const bad = await make({ authToken: 'wrong-token-1234' }).check();
    expect(bad).toEqual({ ok: false, detail: `GET /2010-04-01/Accounts/${ACCOUNT_SID}.json: authentication failed (20003)` });
    expect(JSON.stringify(bad)).not.toContain('wrong-token-1234');
  });

  it('never says the auth token: every outcome and check of every answer is token-free', async () => {
    const answers = [ERRORS.invalidNumber('+1555'), ERRORS.unsubscribed(), ERRORS.authentication(), ERRORS.tooManyRequests(1), ERRORS.internal(), twilioError(400, 21602, `echo ${AUTH_TOKEN}`)];
    let n = 0;
    api.answer = () => answers[n++ % answers.length]!;
    const p = make();
    const outcomes = await p.send(answers.map((_, i) => sms(String(90 + i))));
    const said = JSON.stringify([outcomes, await p.check(), ingested]);
    expect(said).not.toContain(AUTH_TOKEN);
    expect(said).toContain('(hidden)');
  });
});

describe('Twilio settings through the config loader', () => {
  const base = { CRIER_SMS_PROVIDER: 'twilio' };

  it('names each missing setting when Twilio is chosen', () => {
    expect(() => loadConfig({ env: { ...base } })).toThrow(/TWILIO_ACCOUNT_SID: is required when CRIER_SMS_PROVIDER=twilio/);
    expect(() => loadConfig({ env: { ...base, TWILIO_ACCOUNT_SID: ACCOUNT_SID } })).toThrow(/TWILIO_AUTH_TOKEN: is required/);
    expect(() => loadConfig({ env: { ...base, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN } })).toThrow(/TWILIO_FROM: or TWILIO_MESSAGING_SERVICE_SID is required/);
  });

  it('accepts a complete set, with its defaults', () => {
    const config = loadConfig({ env: { ...base, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_MESSAGING_SERVICE_SID: SERVICE_SID } });
    expect(config.settings).toMatchObject({ TWILIO_BASE_URL: 'https://api.twilio.com', TWILIO_NUMBER_TYPE: 'long-code', TWILIO_VALIDITY_SECONDS: 14_400, TWILIO_CONCURRENCY: 10 });
    expect(twilio.secrets).toEqual(['TWILIO_AUTH_TOKEN']);
    expect(twilio.webhookPaths).toEqual(['twilio/status', 'twilio/inbound']);
  });

  it('refuses a validity outside Twilio’s 1..36000 s and an unknown number type, never printing the token', () => {
    const env = { ...base, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: '+15145550000' };
    expect(() => loadConfig({ env: { ...env, TWILIO_VALIDITY_SECONDS: '36001' } })).toThrow(/TWILIO_VALIDITY_SECONDS/);
    expect(() => loadConfig({ env: { ...env, TWILIO_NUMBER_TYPE: 'satellite' } })).toThrow(/TWILIO_NUMBER_TYPE/);
    for (const bad of [{ TWILIO_FROM: '' }, { TWILIO_AUTH_TOKEN: ' ' }, { TWILIO_ACCOUNT_SID: 'nope' }]) {
      try {
        loadConfig({ env: { ...env, ...bad, TWILIO_CONCURRENCY: '0' } });
        expect.unreachable();
      } catch (err) {
        expect(String((err as Error).message)).not.toContain(AUTH_TOKEN);
        expect(JSON.stringify((err as { details?: unknown }).details)).not.toContain(AUTH_TOKEN);
      }
    }
  });
});
