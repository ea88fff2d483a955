// The suppression list as operators manage it: browse, add one, lift one (each with its audit row
// in the same transaction), and an imported list's rows in one batched transaction. Providers'
// events and unsubscribe links add theirs through engine/suppressions.sql.ts.
import { sql, type Selectable } from 'kysely';
import type { Actor } from '../domain/actor.js';
import type { SuppressionReason } from '../domain/delivery.js';
import type { AudienceChannel as Channel } from '../domain/audience.js';
import { recordAudit } from './audit.queries.js';
import { insertFlat, type BulkColumn } from './bulk.js';
import { escapeLike } from './like.js';
import type { SuppressionsTable } from './schema.js';
import type { Db, Store } from './store.js';

export type SuppressionRow = Selectable<SuppressionsTable>;

export interface SuppressionFilter {
  /** Part of the address, any case. */
  q?: string;
  channel?: Channel;
  reason?: SuppressionReason;
  /** Where they came from: a prefix (`import:` finds every import, `import:list.csv` one file). */
  source?: string;
  page: number;
  pageSize: number;
}

export interface NewSuppressionRow {
  channel: Channel;
  address: string;
  reason: SuppressionReason;
  source: string;
  createdAt: number;
}

/** Newest first (by creation time, then id: imported rows keep the dates their export gave). */
export async function listSuppressions(db: Db, filter: SuppressionFilter): Promise<{ rows: SuppressionRow[]; total: number }> {
  let query = db.selectFrom('suppressions');
  if (filter.q) query = query.where(sql<boolean>`lower(address) like ${`%${escapeLike(filter.q.toLowerCase())}%`} escape '\\'`);
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  if (filter.reason) query = query.where('reason', '=', filter.reason);
  if (filter.source) query = query.where(sql<boolean>`source like ${`${escapeLike(filter.source)}%`} escape '\\'`);
  const [rows, total] = await Promise.all([
    query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}

export async function findSuppression(db: Db, channel: Channel, address: string): Promise<SuppressionRow | undefined> {
  return db.selectFrom('suppressions').selectAll().where('channel', '=', channel).where('address', '=', address).executeTakeFirst();
}

/** Adds one suppression with its audit row; undefined (and nothing written) when the address already is suppressed. */
export async function insertSuppression(db: Db, s: NewSuppressionRow, actor: Actor, summary: string): Promise<SuppressionRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('suppressions')
      .values({ channel: s.channel, address: s.address, reason: s.reason, source: s.source, created_at: s.createdAt })
      .onConflict((oc) => oc.columns(['channel', 'address']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await recordAudit(
      trx,
      actor,
      {
        action: 'suppression.added',
        targetType: 'suppression',
        targetId: Number(row.id),
        summary,
        details: { channel: s.channel, address: s.address, reason: s.reason, source: s.source },
      },
      s.createdAt,
    );
    return row;
  });
}

/** Deletes one suppression by id with its audit row; undefined when there is none. */
export async function deleteSuppression(db: Db, id: number, actor: Actor, now: number, summary: (row: SuppressionRow) => string): Promise<SuppressionRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('suppressions').where('id', '=', id).returningAll().executeTakeFirst();
    if (!row) return undefined;
    await recordAudit(
      trx,
      actor,
      {
        action: 'suppression.lifted',
        targetType: 'suppression',
        targetId: Number(row.id),
        summary: summary(row),
        details: { channel: row.channel, address: row.address, reason: row.reason, source: row.source },
      },
      now,
    );
    return row;
  });
}

const COLUMNS: readonly BulkColumn[] = [
  { name: 'channel', pgType: 'text' },
  { name: 'address', pgType: 'text' },
  { name: 'reason', pgType: 'text' },
  { name: 'source', pgType: 'text' },
  { name: 'created_at', pgType: 'bigint' },
];

/**
 * Rows a batch takes: PostgreSQL gets one array per column a batch (a round trip each); SQLite a
 * prepared ten-row INSERT in a loop, a batch being what this thread may spend without answering.
 */
const BATCH = { postgres: 10_000, sqlite: 2_000 };

/**
 * Inserts an imported list's rows (distinct addresses) and its one audit row in one transaction;
 * an address already suppressed keeps its first reason (ON CONFLICT DO NOTHING). Returns how many
 * were added. On SQLite each batch is a synchronous statement loop: between batches the server's
 * other requests get the event loop, while the transaction keeps Kysely's one connection (the
 * engine's statements wait for it rather than joining it, and never busy-wait on this thread).
 */
export async function insertImported(
  store: Pick<Store, 'db' | 'dialect' | 'sqlite'>,
  rows: readonly NewSuppressionRow[],
  actor: Actor,
  audit: (added: number) => { summary: string; details: unknown },
  now: number,
): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    const conn = { db: trx, dialect: store.dialect, sqlite: store.sqlite };
    let added = 0;
    const size = BATCH[store.dialect];
    for (let at = 0; at < rows.length; at += size) {
      const values: unknown[] = [];
      for (const r of rows.slice(at, at + size)) values.push(r.channel, r.address, r.reason, r.source, r.createdAt);
      added += await insertFlat(conn, 'suppressions', COLUMNS, values, 'ON CONFLICT (channel, address) DO NOTHING');
      if (store.dialect === 'sqlite') await new Promise((resolve) => setImmediate(resolve));
    }
    const { summary, details } = audit(added);
    await recordAudit(trx, actor, { action: 'suppressions.imported', targetType: 'suppressions', summary, details }, now);
    return added;
  });
}
