// The staging table of an account import. Valid rows are written here as the file streams in,
// compared with the accounts they would change, and applied in one transaction at the end, so a
// file that turns out to be fatally broken at its last line has changed nothing.
import { CompiledQuery } from 'kysely';
import { insertFlat, insertRows, prepared, type BulkColumn } from './bulk.js';
import type { Connection, Db, Dialect } from './store.js';
import { ACCOUNTS_UUID_INDEX } from './migrations/0008-accounts-uuid-index.js';

const STAGE = 'crier_account_import';

export type StagedAction = 'insert' | 'update' | 'unchanged';

export interface AccountValues {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
  timezone: string | null;
  email_consent: number;
  sms_consent: number;
  /** JSON text, keys sorted. */
  attributes: string;
}

export interface StagedRow extends AccountValues {
  uuid: string;
  line: number;
  action: StagedAction;
}

const VALUE_COLUMNS = [
  'first_name',
  'last_name',
  'email',
  'phone',
  'language',
  'timezone',
  'email_consent',
  'sms_consent',
  'attributes',
] as const satisfies readonly (keyof AccountValues)[];

const VALUE_BULK_COLUMNS: BulkColumn[] = VALUE_COLUMNS.map((name) => ({ name, pgType: name.endsWith('_consent') ? 'integer' : 'text' }));
const STAGE_COLUMNS: BulkColumn[] = [{ name: 'uuid', pgType: 'text' }, { name: 'action', pgType: 'text' }, ...VALUE_BULK_COLUMNS];
/** The stage values of a new account, in order (its action is the stage's default, insert). */
const NEW_ACCOUNT_COLUMNS: BulkColumn[] = [{ name: 'uuid', pgType: 'text' }, ...VALUE_BULK_COLUMNS];

export async function createStage(db: Db): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(`DROP TABLE IF EXISTS ${STAGE}`));
  await db.executeQuery(
    CompiledQuery.raw(
      `CREATE TEMPORARY TABLE ${STAGE} (
        uuid varchar(36) NOT NULL, action varchar(16) NOT NULL DEFAULT 'insert',
        first_name text, last_name text, email text, phone text, language text, timezone text,
        email_consent integer NOT NULL, sms_consent integer NOT NULL, attributes text NOT NULL)`,
    ),
  );
}

export async function dropStage(db: Db): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(`DROP TABLE IF EXISTS ${STAGE}`));
}

/** An account's values in VALUE_COLUMNS order. */
type ValueTuple = [
  first_name: string | null,
  last_name: string | null,
  email: string | null,
  phone: string | null,
  language: string | null,
  timezone: string | null,
  email_consent: number,
  sms_consent: number,
  attributes: string,
];

/** A staged row as the stage's columns, in order: uuid, action, then VALUE_COLUMNS. */
export type StageRecord = [uuid: string, action: StagedAction, ...values: ValueTuple];

export function stageRecord(row: StagedRow): StageRecord {
  return [
    row.uuid,
    row.action,
    row.first_name,
    row.last_name,
    row.email,
    row.phone,
    row.language,
    row.timezone,
    row.email_consent,
    row.sms_consent,
    row.attributes,
  ];
}

/** Stages rows; the caller has already dropped duplicate UUIDs (no index here keeps inserts cheap). */
export async function stageRows(conn: Connection, rows: readonly StageRecord[]): Promise<void> {
  await insertRows(conn, STAGE, STAGE_COLUMNS, rows);
}

/** Stages new accounts: NEW_ACCOUNT_COLUMNS' values, one account after another in one array. */
export async function stageNewAccounts(conn: Connection, values: readonly unknown[]): Promise<void> {
  await insertFlat(conn, STAGE, NEW_ACCOUNT_COLUMNS, values);
}

/** Whether the directory has no account at all (then no row of an import can match one). */
export async function directoryIsEmpty(db: Db): Promise<boolean> {
  const result = await db.executeQuery(CompiledQuery.raw('SELECT 1 AS one FROM accounts LIMIT 1'));
  return result.rows.length === 0;
}

/** The stored values of the accounts with these UUIDs. */
export async function existingAccounts(
  conn: Connection,
  uuids: readonly string[],
): Promise<Map<string, AccountValues>> {
  const select = `SELECT uuid, ${VALUE_COLUMNS.join(', ')} FROM accounts`;
  const found = new Map<string, AccountValues>();
  if (conn.sqlite) {
    // One prepared statement for every batch: the UUIDs travel as one JSON array parameter,
    // sorted so the index is walked in order. Rows come back as arrays and are made into
    // objects here, with one shape: better-sqlite3's own row objects cost 4 µs an account.
    const statement = prepared(conn.sqlite, `${select} WHERE uuid IN (SELECT value FROM json_each(?))`).raw(true);
    const rows = statement.all(JSON.stringify([...uuids].sort())) as AccountRow[];
    for (const r of rows) {
      found.set(r[0], {
        first_name: r[1],
        last_name: r[2],
        email: r[3],
        phone: r[4],
        language: r[5],
        timezone: r[6],
        email_consent: r[7],
        sms_consent: r[8],
        attributes: r[9],
      });
    }
    return found;
  }
  const result = await conn.db.executeQuery<AccountValues & { uuid: string }>(
    CompiledQuery.raw(`${select} WHERE uuid = ANY($1::text[])`, [uuids]),
  );
  for (const { uuid, ...values } of result.rows) found.set(uuid, values);
  return found;
}

/** A row of `SELECT uuid, VALUE_COLUMNS`, as an array. */
type AccountRow = [uuid: string, ...values: ValueTuple];

/**
 * Writes every staged insert and update into accounts, inside the caller's transaction: changed
 * accounts by UPDATE … FROM the stage, new ones by a plain INSERT (a third cheaper than an
 * upsert; an account another import created meanwhile makes it fail, and the caller's
 * transaction changes nothing). On SQLite the uuid index decides how new accounts go in:
 * - when they are at least as many as the accounts already there, the index is dropped, the rows
 *   appended in file order and the index built again from its stored definition in one sorted
 *   pass (a million new accounts: ~2.5 s instead of ~4.3 s; a duplicate makes the build fail);
 * - otherwise in UUID order, so the index takes its new entries page by page instead of at random
 *   across a tree larger than the page cache.
 * PostgreSQL's shared buffers hold the index, so it gains nothing there from either.
 */
export async function applyStage(db: Db, dialect: Dialect, now: number, inserts: number): Promise<number> {
  const at = Math.trunc(now);
  const cols = VALUE_COLUMNS.join(', ');
  const order = dialect === 'sqlite' ? 'ORDER BY uuid' : '';
  const set = [...VALUE_COLUMNS.map((c) => `${c} = s.${c}`), `updated_at = ${at}`].join(', ');
  const updated = await db.executeQuery(
    CompiledQuery.raw(
      `UPDATE accounts SET ${set}
       FROM (SELECT * FROM ${STAGE} WHERE action = 'update' ${order}) s WHERE accounts.uuid = s.uuid`,
    ),
  );
  const rebuild = dialect === 'sqlite' && inserts > 0 ? await uuidIndexToRebuild(db, inserts) : null;
  if (rebuild) await db.executeQuery(CompiledQuery.raw(`DROP INDEX "${rebuild.name}"`));
  const inserted = await db.executeQuery(
    CompiledQuery.raw(
      `INSERT INTO accounts (uuid, ${cols}, created_at, updated_at)
       SELECT uuid, ${cols}, ${at}, ${at} FROM ${STAGE} WHERE action = 'insert' ${rebuild ? '' : order}`,
    ),
  );
  if (rebuild) await db.executeQuery(CompiledQuery.raw(rebuild.sql));
  return Number(inserted.numAffectedRows ?? 0) + Number(updated.numAffectedRows ?? 0);
}

/**
 * SQLite: the unique index on accounts.uuid, if dropping and rebuilding it costs less than
 * inserting `inserts` accounts through it: when the accounts already there are no more than that.
 */
async function uuidIndexToRebuild(db: Db, inserts: number): Promise<{ name: string; sql: string } | null> {
  const index = await db.executeQuery<{ name: string; sql: string | null }>(
    CompiledQuery.raw(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND name = ?`, [ACCOUNTS_UUID_INDEX]),
  );
  const found = index.rows[0];
  // Before migration 0008 the uniqueness is the column's own constraint, which cannot be dropped.
  if (!found?.sql) return null;
  const count = await db.executeQuery<{ n: number }>(CompiledQuery.raw('SELECT count(*) AS n FROM accounts'));
  return Number(count.rows[0]!.n) <= inserts ? { name: found.name, sql: found.sql } : null;
}
