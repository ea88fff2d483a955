// A draft's recipients and the rows its upload rejected. An upload is staged in two temporary
// tables of its own connection as it is judged, then swapped in by one transaction, so a file that
// breaks at its last line, or a draft sent meanwhile, leaves everything as it was.
import { CompiledQuery, sql } from 'kysely';
import type { CommunicationStatus } from '../domain/communication.js';
import { insertRows, prepared, type BulkColumn } from './bulk.js';
import type { Connection, Db } from './store.js';

const ACCEPTED = 'crier_recipient_stage';
const REJECTED = 'crier_rejection_stage';

/** Only a draft's recipients may change: once sending starts they are the audience of record. */
export const DRAFT: CommunicationStatus = 'draft';

export interface RecipientAccount {
  uuid: string;
  id: number;
  email: string | null;
  phone: string | null;
  email_consent: number;
  sms_consent: number;
  /** 1 when the address is in `suppressions` for that channel. */
  email_suppressed: number;
  sms_suppressed: number;
}

type RawAccount = [string, number, string | null, string | null, number, number, number, number];

export interface RejectionRow {
  line: number;
  value: string;
  reason: string;
  detail: string;
}

const ACCEPTED_COLUMNS: BulkColumn[] = [
  { name: 'line', pgType: 'integer' },
  { name: 'account_id', pgType: 'bigint' },
];

const REJECTED_COLUMNS: BulkColumn[] = [
  { name: 'line', pgType: 'integer' },
  { name: 'value', pgType: 'text' },
  { name: 'reason', pgType: 'text' },
  { name: 'detail', pgType: 'text' },
];

export async function createRecipientStage(db: Db): Promise<void> {
  await dropRecipientStage(db);
  // No indexes: each table is read whole, once, and indexes would slow a million inserts.
  await db.executeQuery(
    CompiledQuery.raw(`CREATE TEMPORARY TABLE ${ACCEPTED} (line integer NOT NULL, account_id bigint NOT NULL)`),
  );
  await db.executeQuery(
    CompiledQuery.raw(
      `CREATE TEMPORARY TABLE ${REJECTED} (
        line integer NOT NULL, value text NOT NULL, reason varchar(32) NOT NULL, detail text NOT NULL)`,
    ),
  );
}

export async function dropRecipientStage(db: Db): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(`DROP TABLE IF EXISTS ${ACCEPTED}`));
  await db.executeQuery(CompiledQuery.raw(`DROP TABLE IF EXISTS ${REJECTED}`));
}

/** Rows are [line, account id]. */
export async function stageAccepted(conn: Connection, rows: readonly [number, number][]): Promise<void> {
  await insertRows(conn, ACCEPTED, ACCEPTED_COLUMNS, rows);
}

/** Rows are [line, value, reason, detail]. */
export async function stageRejected(conn: Connection, rows: readonly [number, string, string, string][]): Promise<void> {
  await insertRows(conn, REJECTED, REJECTED_COLUMNS, rows);
}

/** The staged rejections with the lowest line numbers. */
export async function firstStagedRejections(db: Db, limit: number): Promise<RejectionRow[]> {
  const result = await sql<RejectionRow>`SELECT line, value, reason, detail FROM ${sql.table(REJECTED)}
    ORDER BY line LIMIT ${limit}`.execute(db);
  return result.rows;
}

// Suppression is decided in the same statement, through the (channel, address) unique index, so
// a batch of accounts costs one round trip however many of its addresses are suppressed.
const SELECT_ACCOUNTS = `SELECT a.uuid, a.id, a.email, a.phone, a.email_consent, a.sms_consent,
    CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.channel = 'email' AND s.address = a.email)
      THEN 1 ELSE 0 END AS email_suppressed,
    CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.channel = 'sms' AND s.address = a.phone)
      THEN 1 ELSE 0 END AS sms_suppressed
  FROM accounts a`;

/** The accounts with these UUIDs (canonical lower case); unknown ones are absent. */
export async function accountsByUuid(conn: Connection, uuids: readonly string[]): Promise<RecipientAccount[]> {
  if (conn.sqlite) {
    // One prepared statement for every batch: the UUIDs travel as one JSON array parameter.
    const query = `${SELECT_ACCOUNTS} WHERE a.uuid IN (SELECT value FROM json_each(?))`;
    return fromRaw(prepared(conn.sqlite, query).raw(true).all(JSON.stringify(uuids)) as RawAccount[]);
  }
  const result = await conn.db.executeQuery<RecipientAccount>(
    CompiledQuery.raw(`${SELECT_ACCOUNTS} WHERE a.uuid = ANY($1::text[])`, [uuids]),
  );
  return result.rows;
}

/**
 * Up to `limit` accounts with ids above `afterId`, in id order: the whole directory, read front
 * to back a page at a time. For a file that names a good part of the directory this is cheaper
 * than looking each UUID up (on SQLite ~2 µs a row read in order, ~5 µs a row sought by UUID).
 */
export async function accountsAfter(conn: Connection, afterId: number, limit: number): Promise<RecipientAccount[]> {
  if (conn.sqlite) {
    const query = `${SELECT_ACCOUNTS} WHERE a.id > ? ORDER BY a.id LIMIT ?`;
    return fromRaw(prepared(conn.sqlite, query).raw(true).all([afterId, limit]) as RawAccount[]);
  }
  const result = await conn.db.executeQuery<RecipientAccount>(
    CompiledQuery.raw(`${SELECT_ACCOUNTS} WHERE a.id > $1 ORDER BY a.id LIMIT $2`, [afterId, limit]),
  );
  return result.rows;
}

/** An upper bound of the number of accounts, found in the id index rather than by counting. */
export async function directorySize(db: Db): Promise<number> {
  const row = await db.selectFrom('accounts').select((eb) => eb.fn.max('id').as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Rows arrive from better-sqlite3 as arrays: objects built here cost a third of those it builds. */
function fromRaw(rows: RawAccount[]): RecipientAccount[] {
  return rows.map(([uuid, id, email, phone, email_consent, sms_consent, email_suppressed, sms_suppressed]) => ({
    uuid,
    id,
    email,
    phone,
    email_consent,
    sms_consent,
    email_suppressed,
    sms_suppressed,
  }));
}

export async function communicationStatus(db: Db, communicationId: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('communications')
    .select('status')
    .where('id', '=', communicationId)
    .executeTakeFirst();
  return row?.status;
}

/**
 * Replaces the draft's recipients and rejections with the staged ones and bumps its version.
 * Call inside a transaction. Returns false, having changed nothing, when the communication is
 * not (or no longer) a draft: the guarded UPDATE comes first, so on PostgreSQL it also holds the
 * row lock that keeps a concurrent send from starting between the check and the swap.
 */
export async function replaceRecipients(trx: Db, communicationId: number, accepted: number, now: number): Promise<boolean> {
  const guarded = await trx
    .updateTable('communications')
    .set((eb) => ({ recipients_count: accepted, version: eb('version', '+', 1), updated_at: now }))
    .where('id', '=', communicationId)
    .where('status', '=', DRAFT)
    .executeTakeFirst();
  if (Number(guarded.numUpdatedRows) === 0) return false;
  await trx.deleteFrom('recipients').where('communication_id', '=', communicationId).execute();
  await trx.deleteFrom('recipient_rejections').where('communication_id', '=', communicationId).execute();
  // The id is cast because PostgreSQL cannot infer a parameter's type from a SELECT list. In
  // account order, the foreign-key checks and the (communication, account) index are walked
  // front to back instead of at random: three times faster for a million rows on SQLite.
  await sql`INSERT INTO recipients (communication_id, line, account_id)
    SELECT CAST(${communicationId} AS bigint), line, account_id FROM ${sql.table(ACCEPTED)}
    ORDER BY account_id`.execute(trx);
  await sql`INSERT INTO recipient_rejections (communication_id, line, value, reason, detail)
    SELECT CAST(${communicationId} AS bigint), line, value, reason, detail FROM ${sql.table(REJECTED)}`.execute(trx);
  return true;
}

/** Up to `limit` stored rejections of a communication after `afterLine`, in line order. */
export async function rejectionsPage(
  db: Db,
  communicationId: number,
  afterLine: number,
  limit: number,
): Promise<RejectionRow[]> {
  return db
    .selectFrom('recipient_rejections')
    .select(['line', 'value', 'reason', 'detail'])
    .where('communication_id', '=', communicationId)
    .where('line', '>', afterLine)
    .orderBy('line')
    .limit(limit)
    .execute();
}
