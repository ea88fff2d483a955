// Benchmark: how the API answers while `crier serve` sends, and while it imports. A real server
// (SQLite, the embedded default, with the sandbox provider; and PostgreSQL with one server),
// ACCOUNTS accounts × email + SMS. While the communication sends, four pollers each ask one
// route every 100 ms — the list, the communication, a page of its messages and /healthz — and
// each answer is timed. The send rate is taken from the database (Send → finished) with the
// polling and, in a second run on a fresh copy, without it. Then the same polling while a
// 1,000,000-row accounts CSV goes to POST /api/accounts/import, and while the sent
// communication's deliveries are downloaded as CSV (GET …/messages.csv).
// Usage: tsx bench/api-while-sending.ts [--accounts N] [--import-rows N] [--postgres URL] [--only sqlite|postgres]
//        [--skip send,quiet,import,export]
import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, recordResult } from './lib.js';
import { freshPostgres, freshSqlite, OUT, poll, prepare, reachableAccountsCsv, sendTiming, startServe, waitUntilFinished, type RunningServer } from './serve-harness.js';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '500000' },
    'import-rows': { type: 'string', default: '1000000' },
    postgres: { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string', default: '' },
  },
});
const ACCOUNTS = Number(values.accounts);
const IMPORT_ROWS = Number(values['import-rows']);
const SKIP = new Set(values.skip!.split(',').filter(Boolean));

const pathsFor = (id: number) => ({
  list: '/api/communications?pageSize=20',
  communication: `/api/communications/${id}`,
  messages: `/api/communications/${id}/messages?limit=50`,
  healthz: '/healthz',
});

async function sendOnce(url: string, polling: boolean) {
  const { token, draftId } = await prepare(url);
  const id = draftId!;
  const server = await startServe(url, token);
  try {
    const poller = polling ? poll(server, pathsFor(id)) : null;
    // A moment of polling an idle server first: the figures to compare with.
    const send = await server.request('POST', `/api/communications/${id}/send`, {});
    if (send.status !== 200) throw new Error(`send answered ${send.status}: ${JSON.stringify(send.body)}`);
    const finished = await waitUntilFinished(server, id, polling ? 100 : 1000);
    const routes = await poller?.stop();
    const timing = await sendTiming(url, id);
    return { status: finished.status, sendMs: Math.round(send.ms), ...timing, ...(routes ? { routes } : {}) };
  } finally {
    await server.stop();
  }
}

function importFile(rows: number): string {
  const file = join(OUT, `import-${rows}.csv`);
  if (!existsSync(file)) writeFileSync(file, [...reachableAccountsCsv(rows, '11111111')].join(''));
  return file;
}

/**
 * A server on the database sent into before, polled (its newest communication) while `work`
 * runs; answers what `work` answers, its seconds and the routes' timings.
 */
async function whilePolling<T extends object>(url: string, work: (server: RunningServer, token: string, id: number) => Promise<T>) {
  const { token } = await prepare(url, false);
  const server: RunningServer = await startServe(url, token);
  try {
    const { body } = await server.request('GET', '/api/communications?pageSize=1');
    const id = body.items?.[0]?.id ?? 1;
    const poller = poll(server, pathsFor(id));
    await new Promise((r) => setTimeout(r, 1000));
    const started = performance.now();
    const result = await work(server, token, id);
    const seconds = Math.round((performance.now() - started) / 10) / 100;
    return { ...result, seconds, routes: await poller.stop() };
  } finally {
    await server.stop();
  }
}

/** Streams the file to POST /api/accounts/import. */
const importOnce = (url: string, file: string) =>
  whilePolling(url, async (server, token) => {
    const response = await server.pool.request({
      method: 'POST',
      path: '/api/accounts/import',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(statSync(file).size) },
      body: createReadStream(file),
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const report = (await response.body.json()) as { rowsRead?: number; inserted?: number };
    return { importStatus: response.statusCode, rowsRead: report.rowsRead, inserted: report.inserted };
  });

/** Downloads the communication's deliveries as CSV. */
const exportOnce = (url: string) =>
  whilePolling(url, async (server, token, id) => {
    const response = await server.pool.request({ method: 'GET', path: `/api/communications/${id}/messages.csv`, headers: { authorization: `Bearer ${token}` }, bodyTimeout: 0 });
    let bytes = 0;
    for await (const chunk of response.body) bytes += (chunk as Buffer).length;
    return { exportStatus: response.statusCode, megabytes: Math.round(bytes / 1e5) / 10 };
  });

const results: Record<string, unknown>[] = [];
const report = (r: Record<string, unknown>) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

const databases: { name: string; fresh: (run: string) => Promise<string> }[] = [];
if (values.only !== 'postgres') databases.push({ name: 'sqlite', fresh: (run) => freshSqlite(ACCOUNTS, run) });
if (values.postgres && values.only !== 'sqlite') databases.push({ name: 'postgres', fresh: (run) => freshPostgres(values.postgres!, ACCOUNTS, `crier_${run.replace(/-/g, '_')}`) });

for (const db of databases) {
  // With --skip send, the SQLite database the last run sent (and imported) into is used again.
  const kept = join(OUT, 'api-send.db');
  let sentUrl: string | null = db.name === 'sqlite' && SKIP.has('send') && existsSync(kept) ? kept : null;
  if (!SKIP.has('send')) {
    sentUrl = await db.fresh('api-send');
    report({ database: db.name, work: 'send', polling: true, accounts: ACCOUNTS, ...(await sendOnce(sentUrl, true)) });
  }
  if (!SKIP.has('quiet')) report({ database: db.name, work: 'send', polling: false, accounts: ACCOUNTS, ...(await sendOnce(await db.fresh('api-quiet'), false)) });
  if (!SKIP.has('import')) {
    const file = importFile(IMPORT_ROWS);
    report({ database: db.name, work: 'accounts import', rows: IMPORT_ROWS, ...(await importOnce(sentUrl ?? (await db.fresh('api-import')), file)) });
  }
  if (!SKIP.has('export') && sentUrl) report({ database: db.name, work: 'deliveries export', ...(await exportOnce(sentUrl)) });
}
recordResult('api-while-sending', { accounts: ACCOUNTS, importRows: IMPORT_ROWS, results, machine: machine() });
