// GET /api/providers: each channel's provider as an admin sees it — credentials (checked in
// parallel, with a timeout, remembered for a minute), limits, the senders' circuit breaker as
// they persist it, webhook URLs — never a secret; and Review & Send's estimates from the same limits.
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Content } from '../../src/content/content.js';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import type { Role } from '../../src/domain/roles.js';
import type { Channel, Outcome, Outgoing, Provider, ProviderCheck, ProviderLimits, WebhookEndpoint } from '../../src/providers/provider.js';
import type { Providers } from '../../src/providers/registry.js';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { HEALTH_STALE_MS, ProvidersService, type ProviderStatus } from '../../src/services/providers.service.js';
import { buildServer } from '../../src/server/server.js';
import { bearer, cheapHasher, createToken, createUser, FakeClock } from '../harness/auth.js';
import type { Inject } from '../harness/server.js';
import { describeEachDialect } from '../harness/dialects.js';
import { LoopbackProvider, startLoopbackServer, type LoopbackServer } from '../harness/loopback.js';
import { readyDraft, waitFor, waitForFinish } from '../harness/sending.js';

/** A provider with the limits and check answers a test chooses; it accepts everything. */
class ChosenProvider implements Provider {
  readonly limits: ProviderLimits;
  checks = 0;
  constructor(
    readonly name: string,
    readonly channels: readonly Channel[],
    limits: Partial<ProviderLimits>,
    private readonly answer: () => Promise<ProviderCheck>,
    readonly webhooks?: readonly WebhookEndpoint[],
  ) {
    this.limits = { maxBatchSize: 1, messagesPerSecond: Infinity, maxConcurrentRequests: 1, ...limits };
  }
  async send(batch: readonly Outgoing[]): Promise<Outcome[]> {
    return batch.map((m) => ({ id: m.id, ok: true, providerMessageId: `chosen-${m.id}` }));
  }
  async check(): Promise<ProviderCheck> {
    this.checks++;
    return this.answer();
  }
}

const endpoint = (path: string): WebhookEndpoint => ({ path, handle: async () => ({ ok: false, status: 401, reason: 'test' }) });

const KNOWN_SECRET = 'metrics-token-0123456789';
const KEY = 'SG.aBcDeFgHiJkLmNoPqRsTuV.wXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ012';
const PASSWORD = 'hunter2-smtp-password';

interface Started {
  app: App;
  server: FastifyInstance;
  clock: FakeClock | null;
  as(role: Role): Promise<Inject>;
  close(): Promise<void>;
}

async function start(url: string, options: { providers?: Providers; env?: Record<string, string>; realClock?: boolean } = {}): Promise<Started> {
  const clock = options.realClock ? null : new FakeClock();
  const config = loadConfig({
    env: {
      DATABASE_URL: url,
      CRIER_LOG_LEVEL: 'silent',
      CRIER_METRICS: 'false',
      CRIER_PUBLIC_URL: 'https://crier.example.com/',
      CRIER_METRICS_TOKEN: KNOWN_SECRET,
      ...options.env,
    },
  });
  const app = await createApp(config, {
    hasher: cheapHasher,
    logger: pino({ level: 'silent' }),
    ...(clock ? { now: clock.now } : {}),
    ...(options.providers ? { providers: options.providers } : {}),
  });
  const server = await buildServer(app);
  await server.ready();
  return {
    app,
    server,
    clock,
    async as(role) {
      const token = await createToken(app, (await createUser(app, role)).id);
      return (request) => server.inject({ ...request, headers: { ...bearer(token), ...request.headers } });
    },
    async close() {
      await server.close();
      await app.close();
    },
  };
}

const channelOf = (body: { channels: ProviderStatus[] }, channel: Channel) => body.channels.find((c) => c.channel === channel)!;

describeEachDialect('provider status', (ctx) => {
  let t: Started | undefined;
  let dispatcher: Dispatcher | undefined;
  afterEach(async () => {
    await dispatcher?.stop();
    dispatcher = undefined;
    await t?.close();
    t = undefined;
  });

  it('answers the sandbox for both channels, with the operator rate limit applied and no sender yet', async () => {
    t = await start(ctx.url(), { env: { CRIER_SMS_RATE_LIMIT: '5' } });
    const admin = await t.as('admin');
    const res = await admin({ method: 'GET', url: '/api/providers' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { channels: ProviderStatus[] };
    expect(body.channels.map((c) => c.channel)).toEqual(['email', 'sms']);
    expect(channelOf(body, 'email')).toEqual({
      channel: 'email',
      provider: 'sandbox',
      credentials: { ok: true, detail: expect.stringMatching(/sandbox needs no credentials/), checkedAt: new Date(t.clock!.time).toISOString() },
      limits: {
        maxBatchSize: 500,
        messagesPerSecond: null,
        effectivePerSecond: null,
        maxConcurrentRequests: 4,
        effectiveConcurrentRequests: 4,
        rateNote: 'sandbox: nothing leaves this machine',
        validitySeconds: null,
      },
      breaker: { state: 'unknown', reason: expect.stringMatching(/no sender has reported yet/), since: null, reportedAt: null, senders: 0 },
      webhookUrls: [],
    });
    expect(channelOf(body, 'sms').limits).toMatchObject({ messagesPerSecond: null, effectivePerSecond: 5 });
  });

  it('is for admins only', async () => {
    t = await start(ctx.url());
    for (const role of ['viewer', 'sender'] as const) {
      const res = await (await t.as(role))({ method: 'GET', url: '/api/providers' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    expect((await t.server.inject({ method: 'GET', url: '/api/providers' })).statusCode).toBe(401);
  });

  it("reports a chosen provider's limits, webhook URLs and failing check, with no secret anywhere", async () => {
    const mailer = new ChosenProvider('mailer', ['email'], { maxBatchSize: 1000, messagesPerSecond: 50, maxConcurrentRequests: 8 }, async () => ({ ok: true, detail: 'GET /v3/scopes answered 200' }), [
      endpoint('mailer'),
    ]);
    const texter = new ChosenProvider(
      'texter',
      ['sms'],
      { messagesPerSecond: 3, validityMs: 3_600_000, rateNote: 'toll-free number: 3 SMS/s' },
      async () => ({ ok: false, detail: `401 Unauthorized for key ${KEY} (token ${KNOWN_SECRET}) at smtp://crier:${PASSWORD}@mail.example.com` }),
      [endpoint('texter/status'), endpoint('texter/inbound')],
    );
    t = await start(ctx.url(), { providers: { email: mailer, sms: texter }, env: { CRIER_SMS_CONCURRENCY: '2' } });
    const admin = await t.as('admin');
    const res = await admin({ method: 'GET', url: '/api/providers' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { channels: ProviderStatus[] };
    expect(channelOf(body, 'email')).toMatchObject({
      provider: 'mailer',
      credentials: { ok: true, detail: 'GET /v3/scopes answered 200' },
      limits: { maxBatchSize: 1000, messagesPerSecond: 50, effectivePerSecond: 50, maxConcurrentRequests: 8, rateNote: null, validitySeconds: null },
      webhookUrls: ['https://crier.example.com/webhooks/mailer'],
    });
    const sms = channelOf(body, 'sms');
    expect(sms).toMatchObject({
      provider: 'texter',
      credentials: { ok: false, detail: expect.stringMatching(/^401 Unauthorized for key SG\.\[hidden\]\.\[hidden\] \(token \[hidden\]\) at smtp:\/\/crier:\[hidden\]@mail\.example\.com$/) },
      limits: { maxBatchSize: 1, messagesPerSecond: 3, effectivePerSecond: 3, effectiveConcurrentRequests: 2, rateNote: 'toll-free number: 3 SMS/s', validitySeconds: 3600 },
      webhookUrls: ['https://crier.example.com/webhooks/texter/status', 'https://crier.example.com/webhooks/texter/inbound'],
    });
    for (const secret of [KEY, KNOWN_SECRET, PASSWORD, KEY.split('.')[1]!, KEY.split('.')[2]!]) expect(res.body).not.toContain(secret);
  });

  it('checks each provider once for both channels, remembers the answer for a minute, and refreshes when asked', async () => {
    const both = new ChosenProvider('both', ['email', 'sms'], {}, async () => ({ ok: true, detail: 'fine' }));
    t = await start(ctx.url(), { providers: { email: both, sms: both } });
    const admin = await t.as('admin');
    const get = async (url = '/api/providers') => (await admin({ method: 'GET', url })).json() as { channels: ProviderStatus[] };
    await get();
    expect(both.checks).toBe(1);
    t.clock!.advance(30_000);
    const cached = await get();
    expect(both.checks).toBe(1);
    expect(cached.channels[0]!.credentials.checkedAt).toBe(new Date(t.clock!.time - 30_000).toISOString());
    await get('/api/providers?refresh=true');
    expect(both.checks).toBe(2);
    t.clock!.advance(61_000);
    const fresh = await get();
    expect(both.checks).toBe(3);
    expect(fresh.channels[1]!.credentials.checkedAt).toBe(new Date(t.clock!.time).toISOString());
  });

  it('shows the breaker open after the provider answered 401 long enough, and closed again once it recovers', async () => {
    const loopback: LoopbackServer = await startLoopbackServer();
    try {
      const provider = new LoopbackProvider('loopback', loopback.url, { maxBatchSize: 10, maxConcurrentRequests: 1 });
      let healthy = false;
      loopback.answer = () => ({ status: healthy ? 202 : 401 });
      t = await start(ctx.url(), {
        providers: { email: provider, sms: provider },
        realClock: true,
        env: { CRIER_SEND_RETRY_BASE_MS: '20', CRIER_SEND_RETRY_MAX_MS: '200', CRIER_CIRCUIT_OPEN_AFTER_SECONDS: '1', CRIER_CIRCUIT_PROBE_SECONDS: '1' },
      });
      const admin = await t.as('admin');
      const breaker = async (channel: Channel) => channelOf((await admin({ method: 'GET', url: '/api/providers' })).json(), channel).breaker;
      expect((await breaker('email')).state).toBe('unknown');

      dispatcher = t.app.createDispatcher();
      dispatcher.start();
      // A fresh sender says "closed" before it has sent anything.
      const closed = await waitFor(async () => {
        const b = await breaker('email');
        return b.state === 'closed' && b;
      }, 10_000, 'a closed breaker');
      expect(closed).toMatchObject({ reason: null, since: expect.any(String), reportedAt: expect.any(String), senders: 1 });

      const id = await readyDraft(t.app, 30);
      await t.app.sending.send(id, CLI_ACTOR);
      const open = await waitFor(async () => {
        const b = await breaker('email');
        return b.state === 'open' && b;
      }, 15_000, 'an open breaker');
      expect(open.reason).toMatch(/waiting: loopback answers 401 Unauthorized since \d\d:\d\d:\d\d UTC/);
      expect(Date.parse(open.since!)).toBeGreaterThanOrEqual(Date.parse(closed.since!));
      // The other channel's breaker saw no failure.
      expect((await breaker('sms')).state).toBe('closed');

      healthy = true;
      expect(await waitForFinish(t.app, id)).toBe('completed');
      const again = await breaker('email');
      expect(again).toMatchObject({ state: 'closed', reason: null });
      expect(Date.parse(again.since!)).toBeGreaterThanOrEqual(Date.parse(open.since!));

      // Once the sender stops reporting for a few minutes, the API no longer vouches for it.
      await dispatcher.stop();
      const later = new ProvidersService({ providers: t.app.providers, config: t.app.config, exec: t.app.engine, now: () => Date.now() + HEALTH_STALE_MS + 1000 });
      const stale = channelOf(await later.status(), 'email').breaker;
      expect(stale).toMatchObject({ state: 'unknown', since: null, reportedAt: expect.any(String), senders: 0 });
      expect(stale.reason).toMatch(/no sender has reported since/);
    } finally {
      await loopback.close();
    }
  });

  it('reads open when any live sender is open, ignoring senders gone quiet', async () => {
    t = await start(ctx.url());
    const now = t.clock!.time;
    const report = (worker: string, state: 'open' | 'closed', reportedAt: number, reason: string | null = null) =>
      t!.app.sendingStore.dispatch.setProviderHealth({ worker, provider: 'sandbox', channel: 'sms', state, reason, since: reportedAt - 5000 }, reportedAt);
    await report('a', 'closed', now - 1000);
    await report('b', 'open', now - 2000, 'waiting: sandbox answers HTTP 500 since 08:59:50 UTC; retrying by itself');
    await report('c', 'open', now - HEALTH_STALE_MS - 1, 'an old one');
    const body = (await (await t.as('admin'))({ method: 'GET', url: '/api/providers' })).json() as { channels: ProviderStatus[] };
    expect(channelOf(body, 'sms').breaker).toEqual({
      state: 'open',
      reason: 'waiting: sandbox answers HTTP 500 since 08:59:50 UTC; retrying by itself (1 of 2 senders)',
      since: new Date(now - 7000).toISOString(),
      reportedAt: new Date(now - 1000).toISOString(),
      senders: 2,
    });
    expect(channelOf(body, 'email').breaker.state).toBe('unknown');
  });

  it("puts estimates in the review from the provider's limits, warning when SMS outlast the validity period", async () => {
    const texter = new ChosenProvider('texter', ['sms'], { messagesPerSecond: 3, validityMs: 3_600_000 }, async () => ({ ok: true, detail: 'ok' }));
    const mailer = new ChosenProvider('mailer', ['email'], {}, async () => ({ ok: true, detail: 'ok' }));
    t = await start(ctx.url(), { providers: { email: mailer, sms: texter } });
    const content: Content = {
      defaultLanguage: 'en',
      email: { en: { subject: 'Outage', html: '<p>Outage</p>', text: 'Outage' } },
      sms: { en: { body: 'Outage in your area' } },
    };
    const id = await readyDraft(t.app, 25_000, { content });
    const res = await (await t.as('sender'))({ method: 'GET', url: `/api/communications/${id}/review` });
    expect(res.statusCode).toBe(200);
    const review = res.json() as { messages: { email: { total: number }; sms: { total: number } }; estimates: unknown[] };
    expect(review.messages.sms.total).toBe(25_000);
    expect(review.estimates).toEqual([
      {
        channel: 'email',
        messages: 25_000,
        perSecond: null,
        seconds: null,
        text: '25,000 emails, no rate limit: as fast as the provider accepts',
        warning: null,
      },
      {
        channel: 'sms',
        messages: 25_000,
        perSecond: 3,
        seconds: 8334,
        text: '25,000 SMS at 3 per second: about 2 h 19 min',
        warning: expect.stringMatching(/^25,000 SMS at 3 per second take about 2 h 19 min, longer than the 1 h Texter keeps an SMS before dropping it/),
      },
    ]);
  }, 60_000);
});

describe('provider checks', () => {
  const config = loadConfig({ env: { CRIER_METRICS_TOKEN: KNOWN_SECRET } });
  const exec = { dialect: 'sqlite', all: async () => [], run: async () => 0 } as never;
  let hung: (() => void)[] = [];
  afterAll(() => hung.forEach((release) => release()));

  it('runs in parallel and gives up on a hung provider after the timeout', async () => {
    const hang = () => new Promise<ProviderCheck>((resolve) => hung.push(() => resolve({ ok: true, detail: 'late' })));
    const email = new ChosenProvider('slow-mail', ['email'], {}, hang);
    const sms = new ChosenProvider('slow-sms', ['sms'], {}, hang);
    const service = new ProvidersService({ providers: { email, sms }, config, exec, now: Date.now, checkTimeoutMs: 1000 });
    const started = Date.now();
    const status = await service.status();
    expect(Date.now() - started).toBeLessThan(1900);
    for (const c of status.channels) expect(c.credentials).toMatchObject({ ok: false, detail: 'no answer within 1 s' });
    hung.forEach((release) => release());
    hung = [];
  });

  it('reports a check that throws as failed, scrubbed', async () => {
    const email = new ChosenProvider('thrower', ['email'], {}, async () => {
      throw new Error(`connect ECONNREFUSED with ${KNOWN_SECRET}`);
    });
    const sms = new ChosenProvider('fine', ['sms'], {}, async () => ({ ok: true, detail: 'ok' }));
    const status = await new ProvidersService({ providers: { email, sms }, config, exec, now: Date.now }).status();
    expect(status.channels[0]!.credentials).toMatchObject({ ok: false, detail: 'the check failed: connect ECONNREFUSED with [hidden]' });
    expect(status.channels[1]!.credentials.ok).toBe(true);
  });
});
