// On SQLite, the uniqueness of accounts.uuid moves from the column's UNIQUE constraint (an index
// SQLite owns and never lets go of) to a named unique index. An import that adds more accounts
// than the directory holds can then drop the index, append the rows in file order and build the
// index again in one sorted pass, all inside its transaction: for a million new accounts that is
// about half the time of inserting them through the index (docs/PERFORMANCE.md). SQLite cannot
// drop a column constraint, so the table is rebuilt (the steps of "Making Other Kinds Of Table
// Schema Changes" in SQLite's ALTER TABLE page). PostgreSQL's unique constraint stays as it is:
// its import path keeps the index.
import { sql, type Kysely } from 'kysely';
import { dialectOf } from './helpers.js';

/** The index that enforces one account per UUID on SQLite; the account import re-creates it. */
export const ACCOUNTS_UUID_INDEX = 'accounts_uuid_key';

export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  // Done already (a process that stopped between this commit and the migration's record).
  const done = await sql`SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ${ACCOUNTS_UUID_INDEX}`.execute(db);
  if (done.rows.length > 0) return;
  await rebuildAccounts(
    db,
    (create) => create.replace(/("uuid" varchar\(36\) not null) unique/i, '$1'),
    `CREATE UNIQUE INDEX "${ACCOUNTS_UUID_INDEX}" ON "accounts" ("uuid")`,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) !== 'sqlite') return;
  await rebuildAccounts(db, (create) => create.replace(/("uuid" varchar\(36\) not null)/i, '$1 unique'));
}

/**
 * Rebuilds accounts with the definition `change` makes of its current one, keeping every row,
 * its id and the AUTOINCREMENT counter, then runs `index` (if given), all in one transaction.
 * Foreign keys are switched off meanwhile (messages and recipients point at accounts, and the
 * old table is dropped before the new one takes its name) and checked before the commit.
 */
async function rebuildAccounts(db: Kysely<unknown>, change: (create: string) => string, index?: string): Promise<void> {
  const { rows } = await sql<{ sql: string }>`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'accounts'`.execute(db);
  const create = rows[0]!.sql;
  const changed = change(create);
  if (changed === create) throw new Error(`Unexpected definition of accounts: ${create}`);
  const next = changed.replace(/^CREATE TABLE "accounts"/i, 'CREATE TABLE "accounts_rebuilt"');
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      const seq = await sql<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = 'accounts'`.execute(trx);
      await sql.raw(next).execute(trx);
      await sql`INSERT INTO accounts_rebuilt SELECT * FROM accounts`.execute(trx);
      await sql`DROP TABLE accounts`.execute(trx);
      await sql`ALTER TABLE accounts_rebuilt RENAME TO accounts`.execute(trx);
      const last = seq.rows[0]?.seq;
      if (last !== undefined) {
        await sql`UPDATE sqlite_sequence SET seq = max(seq, ${last}) WHERE name = 'accounts'`.execute(trx);
        await sql`INSERT INTO sqlite_sequence (name, seq) SELECT 'accounts', ${last} WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'accounts')`.execute(trx);
      }
      if (index) await sql.raw(index).execute(trx);
      const broken = await sql`PRAGMA foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error(`Foreign keys broken by the rebuild of accounts: ${JSON.stringify(broken.rows.slice(0, 5))}`);
    });
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}
