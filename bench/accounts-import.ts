// Benchmark: a generated 1,000,000-row accounts CSV imported into a fresh SQLite file.
// Each run is a separate process (so peak RSS is the import's own); prints rows/s and peak RSS,
// then the medians. Usage: tsx bench/accounts-import.ts [--rows N] [--runs K] [--database URL]
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../src/domain/actor.js';
import { importAccounts } from '../src/import/accounts-import.js';
import { openStore } from '../src/store/store.js';
import { demoAccountsCsv } from '../src/demo/demo-accounts.js';
import { median, recordResult, machine } from './lib.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    database: { type: 'string' },
    child: { type: 'string' },
    file: { type: 'string' },
  },
});

if (values.child) {
  // One measured import, in this process.
  const store = openStore(values.child);
  await store.migrate();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const report = await importAccounts(
    { store, limits: { maxBytes: 2 ** 31, maxRows: 10_000_000, maxFieldChars: 65_536 }, defaultRegion: 'CA' },
    createReadStream(values.file!, { highWaterMark: 256 * 1024 }),
    { actor: CLI_ACTOR },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await store.close();
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ seconds, cpuSeconds, rows: report.rowsRead, inserted: report.inserted, rejected: report.rejectedRows, rssMb }));
} else {
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
  const results: { seconds: number; rssMb: number; rows: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const db = values.database ?? join(dir, `bench-import-${i}.db`);
    rmSync(db, { force: true });
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'bench/accounts-import.ts', '--child', db, '--file', file], {
      encoding: 'utf8',
    });
    const r = JSON.parse(output.trim().split('\n').pop()!) as { seconds: number; rssMb: number; rows: number; rejected: number };
    results.push(r);
    console.log(`run ${i + 1}: ${(r.rows / r.seconds).toFixed(0)} rows/s, ${r.seconds.toFixed(2)} s, peak RSS ${r.rssMb.toFixed(0)} MB, ${r.rejected} rejected`);
    if (!values.database) rmSync(db, { force: true });
  }
  const summary = {
    rows,
    runs,
    medianRowsPerSecond: Math.round(median(results.map((r) => r.rows / r.seconds))),
    medianSeconds: Number(median(results.map((r) => r.seconds)).toFixed(2)),
    medianPeakRssMb: Math.round(median(results.map((r) => r.rssMb))),
    machine: machine(),
  };
  console.log(`median: ${summary.medianRowsPerSecond} rows/s, ${summary.medianSeconds} s, peak RSS ${summary.medianPeakRssMb} MB`);
  recordResult('accounts-import', summary);
}
