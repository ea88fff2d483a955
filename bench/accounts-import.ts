// Benchmark: a generated 1,000,000-row accounts CSV imported into a fresh SQLite file by the
// real command, `crier accounts import`, each run its own process: the time is that process's
// whole life (start-up included) and the memory its peak RSS. Prints each run, then the medians.
// Usage: tsx bench/accounts-import.ts [--rows N] [--runs K] [--database URL] [--onto-existing]
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { demoAccountsCsv } from '../src/demo/demo-accounts.js';
import { median, recordResult, machine } from './lib.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    database: { type: 'string' },
    // Import the file a second time onto the accounts the first import made (every row found).
    'onto-existing': { type: 'boolean', default: false },
  },
});

interface Run {
  seconds: number;
  peakRssMb: number;
  cpuSeconds: number;
  rowsRead: number;
  inserted: number;
  unchanged: number;
  rejectedRows: number;
}

/** One `crier accounts import` process, timed from spawn to exit. */
function importOnce(database: string, file: string): Run {
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    ['--import', './bench/peak-rss.mjs', 'bin/crier.js', '--database', database, '--json', 'accounts', 'import', file],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`crier accounts import exited ${child.status}: ${child.stderr}`);
  const measured = child.stderr
    .split('\n')
    .filter((l) => l.startsWith('{"measured"'))
    .map((l) => (JSON.parse(l) as { measured: { peakRssMb: number; cpuSeconds: number } }).measured)
    .pop()!;
  const report = JSON.parse(child.stdout) as Omit<Run, 'seconds' | 'peakRssMb' | 'cpuSeconds'>;
  return { seconds, ...measured, ...report };
}

function removeDatabase(db: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
}

{
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  const dir = join('bench', 'out');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `accounts-${rows}.csv`);
  if (!existsSync(file)) {
    const out = createWriteStream(file);
    for (const chunk of demoAccountsCsv(rows, 10_000, 7)) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
  }
  console.log(`${file}: ${rows} rows, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  const ontoExisting = values['onto-existing'];
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const db = values.database ?? join(dir, `bench-import-${i}.db`);
    if (!values.database) removeDatabase(db);
    if (ontoExisting) importOnce(db, file);
    const r = importOnce(db, file);
    results.push(r);
    console.log(
      `run ${i + 1}: ${(r.rowsRead / r.seconds).toFixed(0)} rows/s, ${r.seconds.toFixed(2)} s (CPU ${r.cpuSeconds.toFixed(1)} s), ` +
        `peak RSS ${r.peakRssMb.toFixed(0)} MB; ${r.inserted} inserted, ${r.unchanged} unchanged, ${r.rejectedRows} rejected`,
    );
    if (!values.database) removeDatabase(db);
  }
  const summary = {
    rows,
    runs,
    ontoExisting,
    measured: 'crier accounts import, whole process',
    medianRowsPerSecond: Math.round(median(results.map((r) => r.rowsRead / r.seconds))),
    medianSeconds: Number(median(results.map((r) => r.seconds)).toFixed(2)),
    medianCpuSeconds: Number(median(results.map((r) => r.cpuSeconds)).toFixed(2)),
    medianPeakRssMb: Math.round(median(results.map((r) => r.peakRssMb))),
    machine: machine(),
  };
  console.log(`median: ${summary.medianRowsPerSecond} rows/s, ${summary.medianSeconds} s, peak RSS ${summary.medianPeakRssMb} MB`);
  recordResult('accounts-import', summary);
}
