// Benchmark: the outcome views of one 1,000,000-message communication (97 % delivered, 2 %
// failed, 1 % in progress, 0.3 % send failures; 60 % email). Times 200 random keyset pages of
// each view and filter through the real query functions, on SQLite and, when a server is named
// (--postgres URL or CRIER_TEST_POSTGRES_URL), on PostgreSQL in a scratch database of its own;
// also a few deep pages by number (offset) and a whole CSV export. Prints p50/p95/max in ms.
// Usage: tsx bench/pagination.ts [--messages N] [--pages K] [--postgres URL] [--explain]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { deliveriesCsv } from '../src/services/outcomes-csv.js';
import { engineExec, type SqlExec } from '../src/store/engine/sql-exec.js';
import { deliveryPage, failuresPage, receivedNothingPage, type DeliveryFilter } from '../src/store/outcomes.queries.js';
import { openStore, type Store } from '../src/store/store.js';
import { machine, recordResult } from './lib.js';
import { loadFixture, type Fixture } from './outcomes-fixture.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    pages: { type: 'string', default: '200' },
    postgres: { type: 'string', default: process.env.CRIER_TEST_POSTGRES_URL },
    explain: { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(values.messages);
const PAGES = Number(values.pages);
const LIMIT = 50;

/** A fixed pseudo-random sequence, so every run asks for the same pages. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Timing {
  p50: number;
  p95: number;
  max: number;
  rows: number;
}

async function time(count: number, page: (rnd: () => number) => Promise<unknown[]>): Promise<Timing> {
  const rnd = random(42);
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    rows += (await page(rnd)).length;
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const round = (v: number) => Number(v.toFixed(2));
  return { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), max: round(ms[ms.length - 1]!), rows: Math.round(rows / count) };
}

const FILTERS: [string, DeliveryFilter][] = [
  ['all', {}],
  ['type=email', { type: 'email' }],
  ['type=sms', { type: 'sms' }],
  ['status=delivered', { status: 'delivered' }],
  ['status=failed', { status: 'failed' }],
  ['status=in_progress', { status: 'in_progress' }],
  ['status=no_report (none)', { status: 'no_report' }],
  ['type=sms&status=failed', { type: 'sms', status: 'failed' }],
];

async function run(store: Store, dialect: string): Promise<void> {
  const exec = engineExec(store);
  let started = performance.now();
  const f: Fixture = await loadFixture(exec, { messages: MESSAGES, emailShare: 0.6, sendFailedPerMille: 3, deliveredPerMille: 970, failedPerMille: 20 });
  console.log(`${dialect}: ${MESSAGES} messages loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // PostgreSQL's autovacuum would analyze a table this size soon after; SQLite is left as an
  // install leaves it (no ANALYZE), so its plans must not depend on statistics.
  if (store.dialect === 'postgres') await exec.run('VACUUM ANALYZE messages');
  if (values.explain) await explain(exec, f);

  const span = f.lastMessageId - f.firstMessageId + 1;
  const results: Record<string, Timing> = {};
  const report = (name: string, t: Timing) => {
    results[name] = t;
    console.log(`  ${name.padEnd(34)} p50 ${t.p50.toFixed(2).padStart(8)} ms  p95 ${t.p95.toFixed(2).padStart(8)} ms  max ${t.max.toFixed(2).padStart(8)} ms  (${t.rows} rows/page)`);
  };
  for (const [name, filter] of FILTERS) {
    report(`messages ${name}`, await time(PAGES, (rnd) => deliveryPage(exec, f.communicationId, filter, { afterId: f.firstMessageId - 1 + Math.floor(rnd() * span) }, LIMIT + 1)));
  }
  report('failures', await time(PAGES, (rnd) => failuresPage(exec, f.communicationId, { accountId: Math.floor(rnd() * f.accounts * 1.1), id: 0 }, LIMIT + 1)));
  report('received nothing', await time(PAGES, (rnd) => receivedNothingPage(exec, f.communicationId, Math.floor(rnd() * f.accounts * 1.1), LIMIT + 1)));
  const pages = Math.ceil(MESSAGES / LIMIT);
  report('messages all, by page number (offset)', await time(20, (rnd) => deliveryPage(exec, f.communicationId, {}, { afterId: 0, offset: Math.floor(rnd() * pages) * LIMIT }, LIMIT + 1)));

  started = performance.now();
  let bytes = 0;
  for await (const chunk of deliveriesCsv(exec, f.communicationId, {}, {})) bytes += chunk.length;
  const exportSeconds = (performance.now() - started) / 1000;
  console.log(`  messages.csv export: ${(bytes / 1e6).toFixed(1)} MB in ${exportSeconds.toFixed(1)} s`);

  recordResult('pagination', { database: dialect, messages: MESSAGES, pages: PAGES, limit: LIMIT, results, exportSeconds: Number(exportSeconds.toFixed(2)), machine: machine() });
}

async function explain(exec: SqlExec, f: Fixture): Promise<void> {
  const prefix = exec.dialect === 'postgres' ? 'EXPLAIN ' : 'EXPLAIN QUERY PLAN ';
  const captured: { sql: string; params: readonly unknown[] }[] = [];
  const spy: SqlExec = { ...exec, all: async (sql, params = []) => (captured.push({ sql, params }), []) };
  await deliveryPage(spy, f.communicationId, { type: 'sms' }, { afterId: 0 }, LIMIT);
  await failuresPage(spy, f.communicationId, { accountId: 0, id: 0 }, LIMIT);
  await receivedNothingPage(spy, f.communicationId, 0, LIMIT);
  for (const q of captured) {
    const plan = await exec.all<Record<string, unknown>>(prefix + q.sql, q.params);
    console.log(plan.map((r) => String(r['QUERY PLAN'] ?? r.detail)).join('\n'), '\n');
  }
}

const dir = join('bench', 'out');
const file = join(dir, 'pagination.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
const sqlite = openStore(file);
await sqlite.migrate();
await run(sqlite, 'sqlite');
await sqlite.close();
for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });

if (values.postgres) {
  const name = `crier_bench_pagination_${process.pid}`;
  const admin = new pg.Client({ connectionString: values.postgres });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(values.postgres);
  url.pathname = `/${name}`;
  const store = openStore(url.toString());
  try {
    await store.migrate();
    await run(store, 'postgres');
  } finally {
    await store.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
