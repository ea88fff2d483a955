// Benchmark: what an accounts import's parts cost on their own, so the whole can be judged
// against the floor its parts set. On a 1,000,000-row generated file, each run times, in this
// one thread and with nothing else running:
//   parse  - reading, CSV parsing, checking and encoding every row (the parser thread's work);
//   build  - de-duplicating the encoded rows and laying out their stage values (main thread);
//   stage  - writing those values into the import's stage table (main thread, SQLite);
//   apply  - the final transaction into an empty directory: INSERT, uuid index build, commit;
//   close  - closing the database (SQLite's checkpoint of the write-ahead log into the file).
// The import runs parse on one core while build and stage run on the other, then apply and
// close alone: with two cores it cannot take less than (parse + build + stage) / 2 + apply +
// close, and not less than parse + apply + close either (a file's parsing is one stream).
// Usage: tsx bench/import-floor.ts [--rows N] [--runs K]
import { createReadStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mapAccountColumns } from '../src/import/account-columns.js';
import { AccountRowReader, type RejectedRow } from '../src/import/account-rows.js';
import { CandidateBatch } from '../src/import/candidate-codec.js';
import { readCsv } from '../src/import/csv-reader.js';
import { UuidLineTable } from '../src/import/uuid-line-table.js';
import { applyStage, createStage, stageNewAccounts } from '../src/store/account-import.queries.js';
import { openStore } from '../src/store/store.js';
import { machine, median, recordResult } from './lib.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
});
const rows = Number(values.rows);
const file = join('bench', 'out', `accounts-${rows}.csv`);
if (!existsSync(file)) throw new Error(`${file} is missing: run bench/accounts-import.ts --rows ${rows} first, which writes it`);
const limits = { maxBytes: 1e12, maxRows: 1e9, maxFieldChars: 65_536 };

interface Parts {
  parse: number;
  build: number;
  stage: number;
  apply: number;
  close: number;
}

async function once(): Promise<Parts> {
  const seconds = (from: number) => (performance.now() - from) / 1000;

  let t = performance.now();
  let reader: AccountRowReader | undefined;
  const batches: string[] = [];
  const source = createReadStream(file, { highWaterMark: 256 * 1024 });
  for await (const batch of readCsv(source, limits, ({ header }) => (reader = new AccountRowReader(mapAccountColumns(header.fields), 'CA')))) {
    let encoded = '';
    const rejected: RejectedRow[] = [];
    for (const row of batch) encoded = reader!.encode(row, (r) => rejected.push(r), encoded);
    // Flattened, as posting it to the main thread does.
    encoded.charCodeAt(encoded.length >> 1);
    batches.push(encoded);
  }
  const parse = seconds(t);

  t = performance.now();
  const seen = new UuidLineTable();
  seen.reserve(rows);
  const staged: unknown[][] = [];
  for (const text of batches) {
    const batch = new CandidateBatch(text);
    const created: unknown[] = [];
    for (let row = 0; row < batch.count; row++) {
      if (seen.add(batch.uuid(row), batch.line(row)) === 0) reader!.newAccount(batch, row, created);
    }
    staged.push(created);
  }
  batches.length = 0;
  const build = seconds(t);

  const dir = join('bench', 'out', 'floor');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const store = openStore(join(dir, 'crier.db'));
  await store.migrate();
  const parts = await store.dedicated(async (conn) => {
    // As the import sets them (src/import/accounts-import.ts).
    conn.sqlite!.pragma('cache_size = -8192');
    conn.sqlite!.pragma('threads = 1');
    await createStage(conn.db);
    t = performance.now();
    for (const values of staged) await stageNewAccounts(conn, values);
    const stage = seconds(t);
    staged.length = 0;
    t = performance.now();
    await conn.db.transaction().execute((trx) => applyStage(trx, conn.dialect, Date.now(), rows));
    return { stage, apply: seconds(t) };
  });
  t = performance.now();
  await store.close();
  const close = seconds(t);
  rmSync(dir, { recursive: true, force: true });
  return { parse, build, ...parts, close };
}

const runs: Parts[] = [];
for (let i = 0; i < Number(values.runs); i++) {
  const r = await once();
  runs.push(r);
  console.log(`run ${i + 1}: ${Object.entries(r).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}`);
}
const m = Object.fromEntries((['parse', 'build', 'stage', 'apply', 'close'] as const).map((k) => [k, Number(median(runs.map((r) => r[k])).toFixed(2))])) as unknown as Parts;
const tail = m.apply + m.close;
const floorSeconds = Math.max((m.parse + m.build + m.stage) / 2, m.parse) + tail;
const summary = {
  rows,
  runs: runs.length,
  medianSeconds: m,
  floorSeconds: Number(floorSeconds.toFixed(2)),
  floorRowsPerSecond: Math.round(rows / floorSeconds),
  machine: machine(),
};
console.log(
  `medians: ${Object.entries(m).map(([k, v]) => `${k} ${v} s`).join(', ')}\n` +
    `floor on two cores: max((parse + build + stage) / 2, parse) + apply + close = ${summary.floorSeconds} s, ` +
    `${summary.floorRowsPerSecond} rows/s`,
);
recordResult('import-floor', summary);
