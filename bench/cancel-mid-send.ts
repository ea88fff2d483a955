// Measurement: Cancel pressed mid-send on a real `crier serve` (SQLite, or PostgreSQL with one
// server and optionally extra `crier worker`s), with the sandbox provider. For each point (a
// fraction of the messages sent), it presses Cancel, times the answer, and counts what the
// sandbox received after Cancel returned and whether any of it had been queued at that moment.
// Usage: tsx bench/cancel-mid-send.ts [--accounts N] [--at 0.1,0.3,0.6] [--postgres URL] [--workers N] [--only sqlite|postgres]
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { machine, recordResult } from './lib.js';
import { freshPostgres, freshSqlite, poll, prepare, startServe, type Answer } from './serve-harness.js';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '60000' },
    at: { type: 'string', default: '0.1,0.3,0.6' },
    postgres: { type: 'string' },
    workers: { type: 'string', default: '0' },
    only: { type: 'string' },
  },
});
const ACCOUNTS = Number(values.accounts);
const WORKERS = Number(values.workers);

async function once(url: string, at: number, workers: number) {
  const { token, draftId } = await prepare(url);
  const id = draftId!;
  const server = await startServe(url, token);
  const extra: ChildProcess[] = [];
  for (let i = 0; i < workers; i++) {
    extra.push(spawn(process.execPath, ['bin/crier.js', 'worker'], { env: { ...process.env, DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  if (workers > 0) await new Promise((r) => setTimeout(r, 2500));
  try {
    const poller = poll(server, { healthz: '/healthz', communication: `/api/communications/${id}` });
    const sent = await server.request('POST', `/api/communications/${id}/send`, {});
    if (sent.status !== 200) throw new Error(`send answered ${sent.status}: ${JSON.stringify(sent.body)}`);
    let view: Answer;
    for (;;) {
      view = (await server.request('GET', `/api/communications/${id}`)).body;
      if (view.status !== 'in_progress' || (view.messages!.total > 0 && view.messages!.sent >= at * ACCOUNTS * 2)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const cancel = await server.request('POST', `/api/communications/${id}/cancel`, {});
    const returnedAt = Date.now();
    const routes = await poller.stop();
    // Until every message is settled: the batches in flight recorded, the queued ones stopped.
    let settledMs = -1;
    for (const until = Date.now() + 60_000; Date.now() < until; ) {
      const m = (await server.request('GET', `/api/communications/${id}`)).body.messages!;
      if (m.sent + m.sendFailed + m.cancelled === m.total) {
        settledMs = Date.now() - returnedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const app = await createApp(loadConfig({ env: { DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn' } }), { logger: pino({ level: 'warn' }), migrate: false });
    try {
      const final = await app.communications.get(id);
      const row = { status: final.status, total: final.messages.total, sent: final.messages.sent, cancelled: final.messages.cancelled };
      const [after] = await app.engine.all<{ n: number }>(`SELECT COUNT(*) AS n FROM sandbox_messages WHERE created_at > ?`, [returnedAt]);
      // Messages Cancel stopped that the sandbox received anyway: must be none.
      const [leaked] = await app.engine.all<{ n: number }>(
        // IN, not a join: the sandbox's crier_id has no index, and a join of a million rows each side never ends.
        `SELECT COUNT(*) AS n FROM messages m WHERE m.communication_id = ? AND m.send_state = 'cancelled'
           AND ${app.store.dialect === 'postgres' ? 'm.id::text' : 'CAST(m.id AS TEXT)'} IN (SELECT crier_id FROM sandbox_messages)`,
        [id],
      );
      return {
        at,
        sentAtCancel: view.messages!.sent,
        cancelStatus: cancel.status,
        cancelMs: Math.round(cancel.ms),
        /** From Cancel's answer until every message was sent, failed or cancelled (-1: not within a minute). */
        settledMs,
        ...row,
        handedOverAfterCancel: Number(after!.n),
        cancelledButHandedOver: Number(leaked!.n),
        routes,
        ...(cancel.status === 200 ? {} : { error: cancel.body }),
      };
    } finally {
      await app.close();
    }
  } finally {
    for (const w of extra) w.kill('SIGTERM');
    await Promise.all(extra.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(null)))));
    await server.stop();
  }
}

const results: Record<string, unknown>[] = [];
for (const at of values.at!.split(',').map(Number)) {
  if (values.only !== 'postgres') {
    const r = { database: 'sqlite', workers: 0, ...(await once(await freshSqlite(ACCOUNTS, 'cancel-run'), at, 0)) };
    console.log(JSON.stringify(r));
    results.push(r);
  }
  if (values.postgres && values.only !== 'sqlite') {
    const r = { database: 'postgres', workers: WORKERS, ...(await once(await freshPostgres(values.postgres, ACCOUNTS, 'crier_cancel_run'), at, WORKERS)) };
    console.log(JSON.stringify(r));
    results.push(r);
  }
}
recordResult('cancel-mid-send', { accounts: ACCOUNTS, results, machine: machine() });
