// The sending engine in process: a real app on each dialect, a loopback provider API that
// counts what it receives and answers as told.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import type { Dispatcher } from '../../src/sending/dispatcher.js';
import { describeEachDialect } from '../harness/dialects.js';
import { LoopbackProvider, startLoopbackServer, type LoopbackServer } from '../harness/loopback.js';
import { readyDraft, recount, waitFor, waitForFinish } from '../harness/sending.js';

describeEachDialect('sending engine', (ctx) => {
  let server: LoopbackServer;
  let app: App;
  let provider: LoopbackProvider;
  let dispatcher: Dispatcher | undefined;

  async function start(env: Record<string, string> = {}, limits = { maxBatchSize: 50, maxConcurrentRequests: 2 }) {
    provider = new LoopbackProvider('loopback', server.url, limits);
    const config = loadConfig({
      env: {
        DATABASE_URL: ctx.url(),
        CRIER_SEND_RETRY_BASE_MS: '20',
        CRIER_SEND_RETRY_MAX_MS: '200',
        CRIER_CIRCUIT_OPEN_AFTER_SECONDS: '1',
        CRIER_CIRCUIT_PROBE_SECONDS: '1',
        ...env,
      },
    });
    app = await createApp(config, { providers: { email: provider, sms: provider }, logger: pino({ level: 'silent' }) });
    dispatcher = app.createDispatcher();
  }

  beforeAll(async () => {
    server = await startLoopbackServer();
  });
  afterEach(async () => {
    await dispatcher?.stop();
    await app?.close();
    dispatcher = undefined;
    server.answer = () => ({ status: 202 });
    server.received.clear();
    server.requests = 0;
  });
  afterAll(async () => server.close());

  it('hands every message over once, completes, and its counters equal a recount', async () => {
    await start();
    const id = await readyDraft(app, 300, { csvRows: ['00000000-0000-4000-8000-00000000abcd,NoAddress,,'] });
    dispatcher!.start();
    const sent = await app.sending.send(id, CLI_ACTOR);
    expect(sent).toMatchObject({ status: 'in_progress', deliveryDate: expect.any(String) });
    expect(await waitForFinish(app, id)).toBe('failed'); // the account without address is a send failure
    expect(server.received.size).toBe(300);
    expect([...server.received.values()].every((n) => n === 1)).toBe(true);
    const view = await app.communications.get(id);
    expect(view.messages).toMatchObject(await recount(app, id));
    expect(view.messages).toMatchObject({ total: 301, sent: 300, sendFailed: 1 });
    const failure = await app.store.db.selectFrom('messages').selectAll().where('communication_id', '=', id).where('send_state', '=', 'send_failed').executeTakeFirstOrThrow();
    expect(failure).toMatchObject({ error_code: 'no_reachable_channel', error_message: 'no email address' });
    expect(await app.metrics.registry.metrics()).toMatch(/crier_messages_handed_over_total\{channel="email",outcome="sent"\} 300/);
  });

  it('turns two simultaneous Sends into exactly one transition', async () => {
    await start();
    const id = await readyDraft(app, 5);
    const results = await Promise.allSettled([app.sending.send(id, CLI_ACTOR), app.sending.send(id, CLI_ACTOR)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(['invalid_transition', 'stale_version']).toContain(refused.reason.code);
    const audits = await app.store.db.selectFrom('audit_log').select('id').where('action', '=', 'communication.sent').where('target_id', '=', String(id)).execute();
    expect(audits).toHaveLength(1);
    // Finish it, so no later test's dispatcher meets its messages.
    dispatcher!.start();
    expect(await waitForFinish(app, id)).toBe('completed');
    expect(server.received.size).toBe(5);
  });

  it('refuses Send while the review has blockers, changing nothing', async () => {
    await start();
    const draft = await app.communications.create({ name: 'No recipients' }, CLI_ACTOR);
    await expect(app.sending.send(draft.id, CLI_ACTOR)).rejects.toMatchObject({ code: 'send_refused' });
    expect((await app.communications.get(draft.id)).status).toBe('draft');
  });

  it('retries transient errors with backoff, waits for Retry-After, then sends', async () => {
    await start({}, { maxBatchSize: 100, maxConcurrentRequests: 1 });
    const times: number[] = [];
    server.answer = ({ n }) => {
      times.push(Date.now());
      if (n <= 2) return { status: 503 };
      if (n === 3) return { status: 429, retryAfterSeconds: 1 };
      return { status: 202 };
    };
    // One message, so its retries are not spread over several requests by the jitter.
    const id = await readyDraft(app, 1);
    dispatcher!.start();
    await app.sending.send(id, CLI_ACTOR);
    expect(await waitForFinish(app, id)).toBe('completed');
    expect(server.requests).toBe(4);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(1000);
    const [message] = await app.store.db.selectFrom('messages').selectAll().where('communication_id', '=', id).execute();
    expect(message).toMatchObject({ send_state: 'sent', attempts: 4, error_code: null });
  });

  it('fails a permanent error at once and gives up on transient ones after the last attempt', async () => {
    await start({ CRIER_SEND_MAX_ATTEMPTS: '3' }, { maxBatchSize: 10, maxConcurrentRequests: 1 });
    server.answer = ({ ids }) => ({ status: ids.some((i) => Number(i) % 2 === 0) ? 400 : 500 });
    const id = await readyDraft(app, 1);
    dispatcher!.start();
    await app.sending.send(id, CLI_ACTOR);
    expect(await waitForFinish(app, id)).toBe('failed');
    const [message] = await app.store.db.selectFrom('messages').selectAll().where('communication_id', '=', id).execute();
    if (message!.id % 2 === 0) expect(message).toMatchObject({ send_state: 'send_failed', error_code: 'http_400', attempts: 1 });
    else expect(message).toMatchObject({ send_state: 'send_failed', error_code: 'retries_exhausted', attempts: 3 });
    expect(await recount(app, id)).toMatchObject({ sendFailed: 1, sent: 0 });
  });

  it('cancels: nothing pending when Cancel returns is ever handed over; in-flight messages finish', async () => {
    await start({ CRIER_SEND_BATCHES_IN_FLIGHT: '1' }, { maxBatchSize: 10, maxConcurrentRequests: 1 });
    server.answer = () => ({ status: 202, delayMs: 150 });
    const id = await readyDraft(app, 200);
    dispatcher!.start();
    await app.sending.send(id, CLI_ACTOR);
    await waitFor(async () => server.requests >= 2, 10_000, 'two requests');
    const cancelled = await app.sending.cancel(id, CLI_ACTOR);
    expect(cancelled.status).toBe('cancelled');
    // Still queued when Cancel returned: never to be handed over.
    const pending = await app.store.db.selectFrom('messages').select('id').where('communication_id', '=', id).where('send_state', '=', 'queued').execute();
    expect(pending.length).toBeGreaterThan(100);
    await waitFor(async () => (await recount(app, id)).sent + (await recount(app, id)).cancelled === 200 || undefined, 10_000, 'stopped and in flight to settle');
    await new Promise((r) => setTimeout(r, 400));
    const states = await app.store.db.selectFrom('messages').select(['id', 'send_state']).where('id', 'in', pending.map((p) => p.id)).execute();
    expect(states.every((m) => m.send_state === 'cancelled')).toBe(true);
    for (const { id: messageId } of pending) expect(server.received.has(String(messageId))).toBe(false);
    const view = await app.communications.get(id);
    expect(view.messages).toMatchObject(await recount(app, id));
    expect(view.messages.cancelled).toBeGreaterThanOrEqual(pending.length);
    await expect(app.sending.cancel(id, CLI_ACTOR)).rejects.toMatchObject({ code: 'invalid_transition' });
  });

  it('holds a provider that fails every attempt, says why, spends no attempts, and resumes by itself', async () => {
    await start({}, { maxBatchSize: 10, maxConcurrentRequests: 1 });
    let healthy = false;
    server.answer = () => ({ status: healthy ? 202 : 401 });
    const id = await readyDraft(app, 30);
    dispatcher!.start();
    await app.sending.send(id, CLI_ACTOR);
    const waiting = await waitFor(async () => (await app.communications.get(id)).waitReason, 10_000, 'a wait reason');
    expect(waiting).toMatch(/waiting: loopback answers 401 Unauthorized since/);
    healthy = true;
    expect(await waitForFinish(app, id)).toBe('completed');
    const attempts = await app.store.db.selectFrom('messages').select('attempts').where('communication_id', '=', id).execute();
    expect(Math.max(...attempts.map((a) => a.attempts))).toBe(1);
    expect((await app.communications.get(id)).waitReason).toBeNull();
  });

  it('lets an expired lease go back to the queue; the late first owner cannot overwrite the new one', async () => {
    await start();
    const id = await readyDraft(app, 3);
    dispatcher!.start();
    await app.sending.send(id, CLI_ACTOR);
    await waitForFinish(app, id);
    await dispatcher!.stop();
    // Back to queued, to drive claim, lease expiry and record by hand with a clock of our own.
    const t0 = Date.now() + 60_000;
    await app.store.db.updateTable('messages').set({ send_state: 'queued', attempts: 0, next_attempt_at: 0, sent_at: null, provider_message_id: null }).where('communication_id', '=', id).execute();
    await app.store.db.updateTable('communications').set({ status: 'in_progress', finished_at: null }).where('id', '=', id).execute();
    await app.store.db.deleteFrom('communication_counts').where('communication_id', '=', id).execute();
    await app.store.db.insertInto('communication_counts').values({ communication_id: id, shard: 0, messages_total: 3 }).execute();
    const { dispatch } = app.sendingStore;
    const a = await dispatch.claim('email', 'worker-a', 10, t0, 1000);
    expect(a).toHaveLength(3);
    expect(await dispatch.reapExpiredLeases(t0 + 500)).toBe(0);
    expect(await dispatch.reapExpiredLeases(t0 + 1001)).toBe(3);
    const b = await dispatch.claim('email', 'worker-b', 10, t0 + 1001, 1000);
    const sent = (owner: string, ids: { id: number }[]) =>
      ids.map((m) => ({ id: m.id, communicationId: id, kind: 'sent' as const, providerMessageId: `${owner}-${m.id}` }));
    await dispatch.record('worker-a', 'loopback', sent('a', a), t0 + 1100);
    expect((await app.communications.get(id)).messages.sent).toBe(0);
    expect(await dispatch.record('worker-b', 'loopback', sent('b', b), t0 + 1200)).toEqual([id]);
    const rows = await app.store.db.selectFrom('messages').select(['provider_message_id', 'attempts']).where('communication_id', '=', id).execute();
    expect(rows.every((r) => r.provider_message_id?.startsWith('b-') && r.attempts === 2)).toBe(true);
    expect((await app.communications.get(id)).status).toBe('completed');
  });
});
