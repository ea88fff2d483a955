// Content that renders for too long (or puts account data into HTML unescaped) is stopped at the
// review, and previews of it cannot stall the server for anyone else.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Outcome, Outgoing, Provider } from '../../src/providers/provider.js';
import { buildServer } from '../../src/server/server.js';
import { uuidFor } from '../harness/accounts.js';
import { bearer, cheapHasher, createToken, createUser } from '../harness/auth.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type Inject, type TestServer } from '../harness/server.js';

// A billion iterations: only the render limit ends it.
const NESTED_LOOPS = '{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}';

describeEachDialect('rendering limits', (ctx) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(ctx.url());
    const res = await t.inject({
      method: 'POST',
      url: '/api/accounts/import',
      headers: { 'content-type': 'text/csv' },
      payload: `uuid,first_name,email,phone,language\n${uuidFor(1)},Ann,ann@example.com,+15145550101,en\n${uuidFor(2)},Léa,lea@example.com,+15145550102,fr\n`,
    });
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  const json = async (inject: Inject, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const res = await inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };

  /** A draft with this content and both accounts as recipients: nothing else stands in its way. */
  async function draft(content: unknown): Promise<number> {
    const created = await json(t.inject, 'POST', '/api/communications', { name: 'Hostile' });
    const patched = await json(t.inject, 'PATCH', `/api/communications/${created.body.id}`, { version: 1, content });
    expect(patched.status).toBe(200);
    const db = t.app.store.db;
    const accounts = await db.selectFrom('accounts').select(['id']).where('uuid', 'in', [uuidFor(1), uuidFor(2)]).execute();
    await db.insertInto('recipients').values(accounts.map((a, i) => ({ communication_id: created.body.id, account_id: a.id, line: i + 2 }))).execute();
    await db.updateTable('communications').set({ recipients_count: accounts.length }).where('id', '=', created.body.id).execute();
    return created.body.id;
  }

  const email = (html: string, fr = '<p>Bonjour {{ account.first_name }}</p>') => ({
    defaultLanguage: 'en',
    email: { en: { subject: 'Notice', html, text: 'Notice' }, fr: { subject: 'Avis', html: fr, text: 'Avis' } },
    sms: null,
  });

  it('reviews nested loops in email HTML as a content error naming field and language, and refuses Send', async () => {
    const id = await draft(email(`<p>Hello</p>\n${NESTED_LOOPS}`));
    const started = performance.now();
    const review = (await json(t.inject, 'GET', `/api/communications/${id}/review`)).body;
    // One render per version, each stopped at the limit.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(review.contentErrors).toEqual([
      expect.objectContaining({ channel: 'email', language: 'en', field: 'html', line: 2, code: 'limit_exceeded', message: expect.stringContaining(`${t.app.config.render.limitMs} ms`) }),
    ]);
    expect(review.canSend).toBe(false);
    expect(review.blockers.map((b: { code: string }) => b.code)).toEqual(['content_errors']);
    const send = await json(t.inject, 'POST', `/api/communications/${id}/send`);
    expect(send.status).toBe(422);
    expect((await json(t.inject, 'GET', `/api/communications/${id}`)).body.status).toBe('draft');
  });

  it('reviews nested loops in an SMS, after an attribute the sample account lacks, as a content error', async () => {
    const id = await draft({ defaultLanguage: 'en', email: null, sms: { en: { body: `{{ account.attributes.floor }} ${NESTED_LOOPS}` } } });
    const review = (await json(t.inject, 'GET', `/api/communications/${id}/review`)).body;
    expect(review.contentErrors).toEqual([expect.objectContaining({ channel: 'sms', language: 'en', field: 'body', code: 'limit_exceeded' })]);
    expect(review.canSend).toBe(false);
  });

  it('reviews a loop that allocates too much as a content error', async () => {
    const id = await draft(email('<p>x</p>', '{% for a in (1..100000000) %}x{% endfor %}'));
    const review = (await json(t.inject, 'GET', `/api/communications/${id}/review`)).body;
    expect(review.contentErrors).toEqual([expect.objectContaining({ channel: 'email', language: 'fr', field: 'html', code: 'limit_exceeded', message: expect.stringContaining('memory') })]);
  });

  it('reviews raw on account data in HTML as a content error naming the field', async () => {
    const id = await draft(email('<p>Hello {{ account.first_name | raw }}</p>'));
    const review = (await json(t.inject, 'GET', `/api/communications/${id}/review`)).body;
    expect(review.contentErrors).toEqual([
      expect.objectContaining({ channel: 'email', language: 'en', field: 'html', line: 1, column: 34, code: 'raw_account_data', message: expect.stringContaining('account.first_name') }),
    ]);
    expect(review.canSend).toBe(false);
    const preview = await json(t.inject, 'GET', `/api/communications/${id}/preview?type=email&accountId=${uuidFor(1)}`);
    expect(preview.status).toBe(422);
    expect(preview.body.error.code).toBe('content_invalid');
  });

  it('keeps /healthz answering while a viewer runs eight previews of it at once', async () => {
    const id = await draft(email(NESTED_LOOPS));
    const viewer = await t.as('viewer');
    const health = async () => {
      const started = performance.now();
      const res = await t.inject({ url: '/healthz' });
      expect(res.statusCode).toBe(200);
      return performance.now() - started;
    };
    const breathe = () => new Promise((resolve) => setImmediate(resolve));
    const normal: number[] = [];
    for (let i = 0; i < 20; i++) normal.push(await health());
    const usual = normal.sort((a, b) => a - b)[10]!;

    let running = true;
    const previews = Promise.all(Array.from({ length: 8 }, () => viewer({ url: `/api/communications/${id}/preview?type=email` }))).finally(() => {
      running = false;
    });
    const during: number[] = [];
    while (running) {
      during.push(await health());
      await breathe();
    }
    const answers = await previews;

    const limit = t.app.config.render.limitMs;
    expect(during.length).toBeGreaterThan(0);
    expect(Math.max(...during)).toBeLessThan(usual + limit * 3);
    // Each preview either rendered (and stopped at the limit) or found the viewer's slots taken;
    // how many overlapped depends on when each request got past authentication.
    for (const answer of answers) {
      if (answer.statusCode === 429) expect(answer.json().error.code).toBe('rate_limited');
      else expect(answer.json().error).toMatchObject({ code: 'render_failed', details: { reason: 'limit_exceeded', field: 'html' } });
    }
  });
});

describeEachDialect('renders per user', (ctx) => {
  // A provider that keeps each test send until released: the sends stay in flight, holding
  // their user's render slots, for as long as the test needs.
  class HeldProvider implements Provider {
    readonly name = 'held';
    readonly channels = ['email', 'sms'] as const;
    readonly limits = { maxBatchSize: 1, messagesPerSecond: Infinity, maxConcurrentRequests: 10 };
    readonly waiting: (() => void)[] = [];
    private arrived: (() => void) | null = null;
    async send(batch: readonly Outgoing[]): Promise<Outcome[]> {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.arrived?.();
      });
      return batch.map((m) => ({ id: m.id, ok: true, providerMessageId: `held-${m.id}` }));
    }
    async holding(n: number): Promise<void> {
      while (this.waiting.length < n) await new Promise<void>((resolve) => (this.arrived = resolve));
    }
    release(): void {
      for (const resolve of this.waiting.splice(0)) resolve();
    }
  }

  const provider = new HeldProvider();
  let app: App;
  let server: FastifyInstance;
  beforeAll(async () => {
    const config = loadConfig({ env: { DATABASE_URL: ctx.url(), CRIER_LOG_LEVEL: 'silent', CRIER_METRICS: 'false' } });
    app = await createApp(config, { hasher: cheapHasher, providers: { email: provider, sms: provider } });
    server = await buildServer(app);
    await server.ready();
  });
  afterAll(async () => {
    provider.release();
    await server?.close();
    await app?.close();
  });

  it(`answers 429 beyond 2 renders in flight for one user, in the one error shape, and frees the slots when they end`, async () => {
    expect(app.config.render.previewsPerUser).toBe(2);
    const as = async (role: 'sender' | 'viewer') => {
      const user = await createUser(app, role);
      const headers = bearer(await createToken(app, user.id));
      return (url: string, method: 'GET' | 'POST' | 'PATCH' = 'GET', payload?: object) => server.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    };
    const sender = await as('sender');
    const other = await as('sender');
    const created = (await sender('/api/communications', 'POST', { name: 'Slots' })).json();
    const content = { defaultLanguage: 'en', email: { en: { subject: 'Notice', html: '<p>Hello {{ account.first_name }}</p>', text: 'Hello' } }, sms: null };
    expect((await sender(`/api/communications/${created.id}`, 'PATCH', { version: 1, content })).statusCode).toBe(200);
    const preview = `/api/communications/${created.id}/preview?type=email`;

    const tests = [0, 1].map(() => sender(`/api/communications/${created.id}/test`, 'POST', { type: 'email', to: 'me@example.com' }));
    await provider.holding(2);
    const refused = await sender(preview);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: 'You already have 2 previews, test sends or reviews rendering (CRIER_PREVIEWS_PER_USER = 2): try again when they are done',
        details: { setting: 'CRIER_PREVIEWS_PER_USER', limit: 2, retryAfterSeconds: 1 },
      },
    });
    expect(refused.headers['retry-after']).toBe('1');
    expect((await sender(`/api/communications/${created.id}/review`)).statusCode).toBe(429);
    // Another user's slots are their own.
    expect((await other(preview)).statusCode).toBe(200);

    provider.release();
    expect((await Promise.all(tests)).map((r) => r.statusCode)).toEqual([200, 200]);
    expect((await sender(preview)).statusCode).toBe(200);
    expect((await sender(`/api/communications/${created.id}/review`)).statusCode).toBe(200);
  });
});
