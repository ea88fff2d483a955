// Benchmark: the intake's quick UPDATE of first deliveries against the floor's plain UPDATE, on
// copies of the webhooks benchmark's database, interleaved transaction by transaction (each
// variant on its own copy, in turn) so the machine's swings fall on all of them alike.
// Variants: `keyed`, the UPDATE as it was until 2026-12-02 (the event's key written into the row,
// the communications counted by a GROUP BY after); `unkeyed`, without the key; `named`, the
// communication named by the event checked in the UPDATE, nothing counted after (2026-12-02);
// `batched`, today's: 100 events a statement (UPDATE … FROM a VALUES list of Crier's and the
// provider's ids, the provider bound once), the communications read back by RETURNING.
// Usage: tsx bench/webhook-update-cost.ts [--rows N] [--batch N]  (after bench/webhooks.ts has made its database)
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { machine, recordResult } from './lib.js';
import { OUT } from './serve-harness.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '400000' }, batch: { type: 'string', default: '1000' } } });
const ROWS = Number(values.rows);
const BATCH = Number(values.batch);
const BASE = join(OUT, 'webhooks-base-1000000-200000.db');
if (!existsSync(BASE)) throw new Error(`${BASE} is missing: run bench/webhooks.ts once first (it makes it)`);

const SET = `SET delivery_state = 'delivered', delivery_error = NULL, delivery_updated_at = ?`;
const AWAITING = `delivery_state IN ('in_progress', 'no_report')`;
type Run = (ids: readonly number[], now: number) => void;

const variants: Record<string, (db: SqliteDatabase.Database, pmid: (id: number) => string, communication: number) => Run> = {
  floor: (db) => {
    const u = db.prepare(`UPDATE messages SET delivery_state = 'delivered', delivery_updated_at = ? WHERE id = ?`);
    return (ids, now) => ids.forEach((id) => u.run(now, id));
  },
  keyed: (db, pmid) => {
    const u = db.prepare(`UPDATE messages ${SET}, report_event_key = ? WHERE id = ? AND provider = ? AND provider_message_id = ? AND ${AWAITING}`);
    const count = db.prepare(`SELECT communication_id, COUNT(*) AS n FROM messages WHERE id IN (SELECT value FROM json_each(?)) GROUP BY communication_id`);
    return (ids, now) => count.all(JSON.stringify(ids.filter((id) => u.run(now, `ev-${id}`, id, 'sendgrid', pmid(id)).changes === 1)));
  },
  unkeyed: (db, pmid) => {
    const u = db.prepare(`UPDATE messages ${SET} WHERE id = ? AND provider = ? AND provider_message_id = ? AND ${AWAITING}`);
    const count = db.prepare(`SELECT communication_id, COUNT(*) AS n FROM messages WHERE id IN (SELECT value FROM json_each(?)) GROUP BY communication_id`);
    return (ids, now) => count.all(JSON.stringify(ids.filter((id) => u.run(now, id, 'sendgrid', pmid(id)).changes === 1)));
  },
  named: (db, pmid, communication) => {
    const u = db.prepare(
      `UPDATE messages ${SET} WHERE id = ? AND communication_id = coalesce(?, communication_id) AND provider = ? AND provider_message_id = ? AND ${AWAITING}`,
    );
    return (ids, now) => ids.forEach((id) => u.run(now, id, communication, 'sendgrid', pmid(id)));
  },
  batched: (db, pmid) => {
    const ROWS = 100;
    const statement = (n: number) =>
      db.prepare(
        `UPDATE messages ${SET} FROM (VALUES ${Array<string>(n).fill('(?, ?)').join(', ')}) AS e
         WHERE messages.id = e.column1 AND messages.provider_message_id = e.column2 AND messages.provider = ? AND messages.${AWAITING}
         RETURNING messages.id, messages.communication_id`,
      );
    const full = statement(ROWS);
    return (ids, now) => {
      for (let i = 0; i < ids.length; i += ROWS) {
        const part = ids.slice(i, i + ROWS);
        const params: unknown[] = [now];
        for (const id of part) params.push(id, pmid(id));
        params.push('sendgrid');
        (part.length === ROWS ? full : statement(part.length)).all(params);
      }
    };
  },
};

function copyOf(name: string): SqliteDatabase.Database {
  const path = join(OUT, `update-cost-${name}.db`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  copyFileSync(BASE, path);
  const fd = openSync(path, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  const db = new SqliteDatabase(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

const base = new SqliteDatabase(BASE, { readonly: true });
const rows = base.prepare(`SELECT id, provider_message_id, communication_id FROM messages WHERE channel = 'email' ORDER BY id LIMIT ?`).all(ROWS) as {
  id: number;
  provider_message_id: string;
  communication_id: number;
}[];
base.close();
const ids = rows.map((r) => r.id);
const pmids = new Map(rows.map((r) => [r.id, r.provider_message_id]));
const pmid = (id: number) => pmids.get(id)!;
const runs = Object.entries(variants).map(([name, make]) => {
  const db = copyOf(name);
  return { name, db, run: make(db, pmid, rows[0]!.communication_id), ms: 0 };
});
for (let i = 0, turn = 0; i < ids.length; i += BATCH, turn++) {
  const batch = ids.slice(i, i + BATCH);
  for (let j = 0; j < runs.length; j++) {
    const r = runs[(j + turn) % runs.length]!;
    const now = Date.now();
    const started = performance.now();
    r.db.transaction(() => r.run(batch, now))();
    r.ms += performance.now() - started;
  }
}
const floorMs = runs[0]!.ms;
const result: Record<string, number> = {};
for (const r of runs) {
  result[`${r.name}RowsPerSecond`] = Math.round(ids.length / (r.ms / 1000));
  result[`${r.name}OfFloor`] = Number((floorMs / r.ms).toFixed(3));
  r.db.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(OUT, `update-cost-${r.name}.db${suffix}`), { force: true });
}
console.log(result);
recordResult('webhook-update-cost', { machine: machine(), rows: ids.length, batch: BATCH, ...result });
