// SIGKILL a real `crier worker` in the middle of a send, start another: every message still
// reaches a final state, none is lost, and repeats stay within the in-flight window.
import { spawn, type ChildProcess } from 'node:child_process';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startLoopbackServer, type LoopbackServer } from '../harness/loopback.js';
import { readyDraft, recount, waitFor, waitForFinish } from '../harness/sending.js';

const MESSAGES = 2000;
const BATCH = 50; // messages per request
const CONCURRENCY = 2; // requests in flight per claim
const IN_FLIGHT = 2; // claims in flight per worker
/** Messages a worker holds under lease at most: what a crash can make it send twice. */
const WINDOW = BATCH * CONCURRENCY * IN_FLIGHT;

describeEachDialect('crash safety', (ctx) => {
  let server: LoopbackServer;
  let app: App;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    server = await startLoopbackServer();
    // Slow enough that the kill lands mid-send.
    server.answer = () => ({ status: 202, delayMs: 15 });
    app = await createApp(loadConfig({ env: { DATABASE_URL: ctx.url(), CRIER_EMAIL_PROVIDER: 'loopback', CRIER_SMS_PROVIDER: 'loopback', CRIER_PROVIDER_MODULES: 'test/harness/loopback-provider-module.ts', CRIER_LOOPBACK_URL: server.url } }), {
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await app?.close();
    await server?.close();
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ['bin/crier.js', 'worker'], {
      env: {
        ...process.env,
        DATABASE_URL: ctx.url(),
        CRIER_LOG_LEVEL: 'error',
        CRIER_EMAIL_PROVIDER: 'loopback',
        CRIER_SMS_PROVIDER: 'loopback',
        CRIER_PROVIDER_MODULES: 'test/harness/loopback-provider-module.ts',
        CRIER_LOOPBACK_URL: server.url,
        CRIER_LOOPBACK_BATCH: String(BATCH),
        CRIER_LOOPBACK_CONCURRENCY: String(CONCURRENCY),
        CRIER_SEND_BATCHES_IN_FLIGHT: String(IN_FLIGHT),
        CRIER_LEASE_SECONDS: '2',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  it('loses nothing and repeats at most the in-flight window after SIGKILL', async () => {
    const id = await readyDraft(app, MESSAGES);
    await app.sending.send(id, CLI_ACTOR);
    const first = startWorker();
    await waitFor(async () => server.received.size >= MESSAGES / 4, 60_000, 'a quarter of the messages');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const atKill = server.received.size;
    expect(atKill).toBeLessThan(MESSAGES);

    const second = startWorker();
    expect(await waitForFinish(app, id, 90_000)).toBe('completed');
    second.kill('SIGTERM');
    await new Promise((resolve) => second.once('exit', resolve));

    const ids = await app.store.db.selectFrom('messages').select(['id', 'send_state']).where('communication_id', '=', id).execute();
    expect(ids).toHaveLength(MESSAGES);
    expect(ids.every((m) => m.send_state === 'sent')).toBe(true);
    for (const m of ids) expect(server.received.get(String(m.id)) ?? 0).toBeGreaterThanOrEqual(1);
    const repeats = [...server.received.values()].filter((n) => n > 1).length;
    expect(repeats).toBeLessThanOrEqual(WINDOW);
    expect((await app.communications.get(id)).messages).toMatchObject(await recount(app, id));
  }, 180_000);
});
