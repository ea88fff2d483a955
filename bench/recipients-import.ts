// Benchmark: a 1,000,000-row recipients CSV attached to a draft, against 1,000,000 demo accounts.
// The accounts are loaded once into a base SQLite file that every run starts from a copy of; the
// recipients file lists their UUIDs in a shuffled order, as a real export would. Each run is a
// separate process (so peak RSS is the import's own); prints rows/s, wall and CPU seconds and
// peak RSS, then the medians.
// Usage: tsx bench/recipients-import.ts [--rows N] [--runs K] [--database POSTGRES_URL]
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../src/domain/actor.js';
import { demoAccountsCsv } from '../src/demo/demo-accounts.js';
import { importAccounts } from '../src/import/accounts-import.js';
import { importRecipients } from '../src/import/recipients-import.js';
import { openStore } from '../src/store/store.js';
import { machine, median, recordResult } from './lib.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    database: { type: 'string' },
    child: { type: 'string' },
    file: { type: 'string' },
  },
});

const limits = { maxBytes: 2 ** 31, maxRows: 10_000_000, maxFieldChars: 65_536 };

interface RunResult {
  seconds: number;
  cpuSeconds: number;
  rows: number;
  accepted: number;
  rejected: number;
  rssMb: number;
}

if (values.child) {
  // One measured upload, in this process, to a draft of its own.
  const store = openStore(values.child);
  await store.migrate();
  const now = Date.now();
  const draft = await store.db
    .insertInto('communications')
    .values({ name: 'Benchmark', default_language: 'en', created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const report = await importRecipients(
    { store, limits },
    Number(draft.id),
    createReadStream(values.file!, { highWaterMark: 256 * 1024 }),
    { actor: CLI_ACTOR },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await store.close();
  const result: RunResult = {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rows: report.rowsRead,
    accepted: report.accepted,
    rejected: report.rejectedCount,
    rssMb: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(result));
} else {
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  const dir = join('bench', 'out');
  mkdirSync(dir, { recursive: true });
  const accountsFile = await accountsCsv(dir, rows);
  const recipientsFile = await recipientsCsv(dir, rows, accountsFile);
  console.log(`${recipientsFile}: ${rows} rows, ${(statSync(recipientsFile).size / 1e6).toFixed(1)} MB`);
  const base = values.database ?? join(dir, `recipients-base-${rows}.db`);
  await loadAccounts(base, accountsFile, rows);

  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    let db = base;
    if (!values.database) {
      db = join(dir, `bench-recipients-${i}.db`);
      removeSqlite(db);
      copyFileSync(base, db);
    }
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'bench/recipients-import.ts', '--child', db, '--file', recipientsFile],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(output.trim().split('\n').pop()!) as RunResult;
    results.push(r);
    console.log(
      `run ${i + 1}: ${(r.rows / r.seconds).toFixed(0)} rows/s, ${r.seconds.toFixed(2)} s wall, ` +
        `${r.cpuSeconds.toFixed(2)} s CPU, peak RSS ${r.rssMb.toFixed(0)} MB, ${r.accepted} accepted, ${r.rejected} rejected`,
    );
    if (!values.database) removeSqlite(db);
  }
  const summary = {
    rows,
    runs,
    medianRowsPerSecond: Math.round(median(results.map((r) => r.rows / r.seconds))),
    medianSeconds: Number(median(results.map((r) => r.seconds)).toFixed(2)),
    medianCpuSeconds: Number(median(results.map((r) => r.cpuSeconds)).toFixed(2)),
    medianPeakRssMb: Math.round(median(results.map((r) => r.rssMb))),
    database: values.database ? 'postgres' : 'sqlite',
    machine: machine(),
  };
  console.log(
    `median: ${summary.medianRowsPerSecond} rows/s, ${summary.medianSeconds} s wall, ` +
      `${summary.medianCpuSeconds} s CPU, peak RSS ${summary.medianPeakRssMb} MB`,
  );
  recordResult('recipients-import', summary);
}

/** The accounts benchmark's file (same generator and seed), generated if absent. */
async function accountsCsv(dir: string, rows: number): Promise<string> {
  const file = join(dir, `accounts-${rows}.csv`);
  if (!existsSync(file)) await writeChunks(`${file}.tmp`, demoAccountsCsv(rows, 10_000, 7), file);
  return file;
}

/** The accounts' UUIDs in a fixed shuffled order: lookups and index inserts land at random. */
async function recipientsCsv(dir: string, rows: number, accountsFile: string): Promise<string> {
  const file = join(dir, `recipients-${rows}.csv`);
  if (existsSync(file)) return file;
  const uuids: string[] = [];
  const lines = createInterface({ input: createReadStream(accountsFile), crlfDelay: Infinity });
  for await (const line of lines) if (uuids.length < rows + 1) uuids.push(line.slice(0, line.indexOf(',')));
  uuids.shift();
  let seed = 0x2545f491;
  for (let i = uuids.length - 1; i > 0; i--) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const j = (seed >>> 0) % (i + 1);
    [uuids[i], uuids[j]] = [uuids[j]!, uuids[i]!];
  }
  function* text(): Generator<string> {
    yield 'account_uuid\n';
    for (let i = 0; i < uuids.length; i += 10_000) yield uuids.slice(i, i + 10_000).join('\n') + '\n';
  }
  await writeChunks(`${file}.tmp`, text(), file);
  return file;
}

/** Imports the accounts once; a base file is written under a temporary name so a crash leaves none. */
async function loadAccounts(target: string, accountsFile: string, rows: number): Promise<void> {
  const sqlite = !values.database;
  if (sqlite && existsSync(target)) return;
  const path = sqlite ? `${target}.tmp` : target;
  if (sqlite) removeSqlite(path);
  const store = openStore(path);
  await store.migrate();
  const count = await store.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(count.n) < rows) {
    console.log(`loading ${rows} accounts into ${store.location}…`);
    const deps = { store, limits, defaultRegion: 'CA' as const };
    await importAccounts(deps, createReadStream(accountsFile, { highWaterMark: 256 * 1024 }), { actor: CLI_ACTOR });
  }
  await store.close();
  if (sqlite) {
    // Closing the last connection checkpoints the WAL into the file, which is then complete alone.
    if (existsSync(`${path}-wal`)) throw new Error(`${path}-wal remains after closing: the base file is incomplete`);
    renameSync(path, target);
  }
}

async function writeChunks(tmp: string, chunks: Iterable<string>, file: string): Promise<void> {
  const out = createWriteStream(tmp);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  renameSync(tmp, file);
}

function removeSqlite(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}
