// Benchmark: what each index of migration 0007 costs the sending engine. For each variant (none
// of them, each alone, all three) a fresh database gets a communication of queued messages, then
// the engine's own statements run over all of them: the insert of the queued rows (as the
// expansion writes them), claim + record in batches of 500 (claimBatch, recordOutcomes; 0.3 %
// send failures), and delivery reports in batches of 500 (applyEffects: 97 % delivered, 2 %
// failed). Prints microseconds per message of each phase, the median of the runs.
// Usage: tsx bench/outcome-index-cost.ts [--messages N] [--runs K] [--postgres URL]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { applyEffects, type NewEvent } from '../src/store/engine/delivery-effects.sql.js';
import type { RecordedOutcome } from '../src/sending/sending-store.js';
import { claimBatch, recordOutcomes } from '../src/store/engine/dispatch.sql.js';
import { engineExec, type SqlExec } from '../src/store/engine/sql-exec.js';
import { openStore, type Store } from '../src/store/store.js';
import { machine, median, recordResult } from './lib.js';
import { loadFixture } from './outcomes-fixture.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    postgres: { type: 'string', default: process.env.CRIER_TEST_POSTGRES_URL },
  },
});
const MESSAGES = Number(values.messages);
const RUNS = Number(values.runs);
const BATCH = 500;

const INDEXES = ['messages_delivery_view', 'messages_sent_account', 'messages_send_failures'] as const;
/** The narrower alternative to messages_delivery_view: fast for the failed filter only. */
const FAILED_ONLY = `CREATE INDEX messages_delivery_failed ON messages (communication_id, id) WHERE delivery_state = 'failed'`;
const VARIANTS: [string, readonly string[], string?][] = [
  ['none', []],
  ...INDEXES.map((i): [string, string[]] => [i, [i]]),
  ['all three', INDEXES],
  ['(alternative) failed only', [], FAILED_ONLY],
];

interface Phases {
  insert: number;
  handOver: number;
  delivery: number;
}

/** The migrated schema without the indexes this variant leaves out, with any it adds. */
async function prepare(store: Store, keep: readonly string[], extra?: string): Promise<SqlExec> {
  await store.migrate();
  const exec = engineExec(store);
  for (const index of INDEXES) if (!keep.includes(index)) await exec.run(`DROP INDEX ${index}`);
  if (extra) await exec.run(extra);
  return exec;
}

async function measure(exec: SqlExec): Promise<Phases> {
  const perMessage = (started: number) => Number((((performance.now() - started) * 1000) / MESSAGES).toFixed(2));
  let started = performance.now();
  const now = Date.now();
  const f = await loadFixture(exec, { messages: MESSAGES, emailShare: 0.6, sendFailedPerMille: 0, deliveredPerMille: 0, failedPerMille: 0, queued: true }, now);
  // Accounts and recipients are alike in every variant: the differences are the messages' indexes.
  const insert = perMessage(started);

  started = performance.now();
  const sent: NewEvent['messages'][number][] = [];
  for (const channel of ['email', 'sms'] as const) {
    for (;;) {
      const claimed = await claimBatch(exec, channel, 'bench', BATCH, now + 1, 600_000);
      if (claimed.length === 0) break;
      const outcomes: RecordedOutcome[] = claimed.map((m) =>
        (Number(m.id) * 7919) % 1000 < 3
          ? { id: Number(m.id), communicationId: f.communicationId, kind: 'failed', code: 'rejected', message: 'rejected' }
          : { id: Number(m.id), communicationId: f.communicationId, kind: 'sent', providerMessageId: `p${m.id}` },
      );
      await recordOutcomes(exec, 'bench', 'sandbox', outcomes, now + 1);
      for (const o of outcomes) {
        if (o.kind === 'sent') {
          sent.push({ id: o.id, communication_id: f.communicationId, channel, address: null, delivery_state: 'in_progress', provider: 'sandbox', provider_message_id: o.providerMessageId });
        }
      }
    }
  }
  const handOver = perMessage(started);

  started = performance.now();
  for (let i = 0; i < sent.length; i += BATCH) {
    const events: NewEvent[] = sent.slice(i, i + BATCH).flatMap((message) => {
      const h = (message.id * 104729) % 1000;
      if (h >= 990) return [];
      const kind = h < 970 ? ('delivered' as const) : ('failed' as const);
      const event = { kind, provider: 'sandbox', eventKey: `e${message.id}`, occurredAt: now, providerMessageId: message.provider_message_id, payload: {}, reason: 'mailbox unavailable' };
      return [{ event, messages: [message] }];
    });
    await exec.transaction((tx) => applyEffects(tx, events, now + 2));
  }
  const delivery = perMessage(started);
  return { insert, handOver, delivery };
}

async function onSqlite(keep: readonly string[], extra?: string): Promise<Phases> {
  const file = join('bench', 'out', 'index-cost.db');
  const clean = () => ['', '-wal', '-shm'].forEach((s) => rmSync(`${file}${s}`, { force: true }));
  clean();
  const store = openStore(file);
  try {
    return await measure(await prepare(store, keep, extra));
  } finally {
    await store.close();
    clean();
  }
}

async function onPostgres(url: string, keep: readonly string[], extra?: string): Promise<Phases> {
  const name = `crier_bench_index_cost_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const store = openStore(target.toString());
  try {
    return await measure(await prepare(store, keep, extra));
  } finally {
    await store.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const dialects: [string, (keep: readonly string[], extra?: string) => Promise<Phases>][] = [['sqlite', onSqlite]];
if (values.postgres) dialects.push(['postgres', (keep, extra) => onPostgres(values.postgres!, keep, extra)]);
for (const [dialect, run] of dialects) {
  // Runs interleave the variants, so a slow moment of the shared machine falls on all of them.
  const samples = new Map<string, Phases[]>(VARIANTS.map(([name]) => [name, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const [name, keep, extra] of VARIANTS) samples.get(name)!.push(await run(keep, extra));
  }
  console.log(`${dialect}, ${MESSAGES} messages, µs per message (median of ${RUNS}):`);
  const results: Record<string, Phases> = {};
  for (const [name] of VARIANTS) {
    const runs = samples.get(name)!;
    const m: Phases = { insert: median(runs.map((p) => p.insert)), handOver: median(runs.map((p) => p.handOver)), delivery: median(runs.map((p) => p.delivery)) };
    results[name] = m;
    console.log(`  ${name.padEnd(24)} insert ${m.insert.toFixed(2).padStart(7)}  claim+record ${m.handOver.toFixed(2).padStart(7)}  delivery ${m.delivery.toFixed(2).padStart(7)}`);
  }
  recordResult('outcome-index-cost', { database: dialect, messages: MESSAGES, runs: RUNS, microsecondsPerMessage: results, machine: machine() });
}
