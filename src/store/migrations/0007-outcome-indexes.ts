// Indexes of the outcome views (DESIGN.md §4): every page of a million-message communication is
// a handful of short index range scans, whatever the filter and however rare the rows it keeps.
// Each is partial on a send state, so it holds only the rows it serves and queued messages (the
// dispatcher's hot rows) never enter it. What each costs the sending engine is measured by
// bench/outcome-index-cost.ts (results in bench/results.jsonl).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Account delivery status: one range per (type, delivery state), each already in id order, so
  // any filter (or none) is a merge of at most eight keyset ranges, never a scan past rows the
  // filter drops (delivery errors may be 0.1 % of a communication; in_progress may be none).
  await db.schema
    .createIndex('messages_delivery_view')
    .on('messages')
    .columns(['communication_id', 'channel', 'delivery_state', 'id'])
    .where(sql.ref('send_state'), '=', 'sent')
    .execute();
  // "Received nothing": whether an account got any message of the communication, one seek.
  await db.schema
    .createIndex('messages_sent_account')
    .on('messages')
    .columns(['communication_id', 'account_id'])
    .where(sql.ref('send_state'), '=', 'sent')
    .execute();
  // Send failures, grouped by account (an account's email and SMS failures side by side, and
  // the accounts that received nothing listed once each).
  await db.schema
    .createIndex('messages_send_failures')
    .on('messages')
    .columns(['communication_id', 'account_id', 'id'])
    .where(sql.ref('send_state'), '=', 'send_failed')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_send_failures').execute();
  await db.schema.dropIndex('messages_sent_account').execute();
  await db.schema.dropIndex('messages_delivery_view').execute();
}
