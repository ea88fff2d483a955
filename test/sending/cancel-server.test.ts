// A large send on the real server: `crier serve` (its sender on a thread of its own) with the
// sandbox provider, 50,000 accounts × email + SMS = 100,000 messages; on PostgreSQL two
// `crier worker`s send beside it. The server answers while it sends, Cancel pressed after the
// first progress sample ends the communication Cancelled, and no message that was still queued
// when Cancel returned reaches the sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createToken, createUser } from '../harness/auth.js';
import { describeEachDialect } from '../harness/dialects.js';
import { notYetSent, readyDraft, recount, waitFor } from '../harness/sending.js';

const ACCOUNTS = 50_000;

/** What this test reads of the API's answers. */
interface View {
  status: string;
  messages: Record<string, number>;
  progress: { sent: number } | null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describeEachDialect('a large send on the real server', (ctx) => {
  let app: App;
  const children: ChildProcess[] = [];
  let base = '';
  let token = '';

  const call = async (method: string, path: string): Promise<{ status: number; body: View }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    return { status: response.status, body: (await response.json()) as View };
  };

  const crier = (args: string[]) => {
    const child = spawn(process.execPath, ['bin/crier.js', ...args], {
      env: { ...process.env, DATABASE_URL: ctx.url(), CRIER_LOG_LEVEL: 'error', CRIER_SANDBOX_DELIVERY_DELAY_MS: '500' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    app = await createApp(loadConfig({ env: { DATABASE_URL: ctx.url() } }), { logger: pino({ level: 'silent' }) });
    token = await createToken(app, (await createUser(app, 'sender')).id);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    crier(['serve', '--port', String(port)]);
    if (ctx.dialect === 'postgres') for (let i = 0; i < 2; i++) crier(['worker']);
    await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok, 30_000, 'crier serve to listen');
  }, 60_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))));
    await app?.close();
  });

  it('Cancel after the first progress sample: Cancelled, and nothing queued then is ever handed over', async () => {
    const content = {
      defaultLanguage: 'en',
      email: { en: { subject: 'Outage for {{ account.first_name }}', html: '<p>Hello {{ account.first_name }}</p>', text: 'Hello {{ account.first_name }}' } },
      sms: { en: { body: 'Outage: {{ account.first_name }}, crews are on site.' } },
    };
    const id = await readyDraft(app, ACCOUNTS, { content });
    expect((await call('POST', `/api/communications/${id}/send`)).status).toBe(200);
    // The first progress sample: the senders have recorded their first batches.
    await waitFor(async () => ((await call('GET', `/api/communications/${id}`)).body.progress?.sent ?? 0) > 0 || undefined, 60_000, 'the first progress sample');
    // While it sends, the server answers.
    expect((await call('GET', '/api/communications?pageSize=20')).status).toBe(200);
    const cancel = await call('POST', `/api/communications/${id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    const stopped = await notYetSent(app, id);
    expect(stopped.length).toBeGreaterThan(0);
    // Cancel also ends the expansion: recipients not yet expanded never become messages.
    const settled = await waitFor(
      async () => {
        const r = await recount(app, id);
        return r.sent + r.sendFailed + r.cancelled === r.total ? r : undefined;
      },
      60_000,
      'every message settled',
    );
    // Most of the 100,000 were never handed over.
    expect(settled.sent).toBeLessThan(ACCOUNTS);
    const [handed] = await app.engine.all<{ n: number }>(`SELECT COUNT(*) AS n FROM sandbox_messages`);
    expect(Number(handed!.n)).toBe(settled.sent);
    const cast = ctx.dialect === 'postgres' ? 'm.id::text' : 'CAST(m.id AS TEXT)';
    const [leaked] = await app.engine.all<{ n: number }>(
      `SELECT COUNT(*) AS n FROM messages m WHERE m.communication_id = ? AND m.send_state = 'cancelled' AND ${cast} IN (SELECT crier_id FROM sandbox_messages)`,
      [id],
    );
    expect(Number(leaked!.n)).toBe(0);
    const ids = stopped.map((s) => String(s.id));
    for (let i = 0; i < ids.length; i += 5000) {
      const handed = await app.store.db.selectFrom('sandbox_messages').select('crier_id').where('crier_id', 'in', ids.slice(i, i + 5000)).execute();
      expect(handed).toHaveLength(0);
    }
    const view = (await call('GET', `/api/communications/${id}`)).body;
    expect(view.status).toBe('cancelled');
    // The sender thread's counts reach the server's /metrics.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const byThread = [...metrics.matchAll(/^crier_messages_handed_over_total\{channel="(email|sms)",outcome="sent"\} (\d+)/gm)].reduce((n, m) => n + Number(m[2]), 0);
    expect(byThread).toBeGreaterThan(0);
    // Send states only: delivery reports of the sent ones may still be arriving.
    const { total, sent, sendFailed, cancelled } = await recount(app, id);
    expect(view.messages).toMatchObject({ total, sent, sendFailed, cancelled });
  }, 180_000);
});
