// The outcome views of a communication (DESIGN.md §4): account delivery status, send failures and
// the accounts that received nothing. Hand-written SQL because each page must stay a few short
// index range scans on a million-message communication, on both dialects; the indexes are those
// of migration 0007 (partial on send_state, so each query repeats the index's predicate literally:
// SQLite uses a partial index only when the query's WHERE contains that very term).
import type { DeliveryState } from '../domain/message.js';
import type { ProgressSample } from '../domain/progress.js';
import type { SqlExec } from './engine/sql-exec.js';
import type { Db } from './store.js';
import { DELIVERY_STATES, MESSAGE_TYPES, type MessageType } from '../domain/outcomes.js';

export { DELIVERY_STATES, MESSAGE_TYPES, type MessageType };

export interface DeliveryFilter {
  type?: MessageType;
  status?: DeliveryState;
}

export interface DeliveryRow {
  id: number;
  account_uuid: string;
  first_name: string | null;
  last_name: string | null;
  channel: string;
  sent_at: number | null;
  delivery_state: string;
  delivery_error: string | null;
}

/** Where a page starts: after a message id (keyset), or, slower on deep pages, an offset. */
export interface PageStart {
  afterId: number;
  offset?: number;
}

/**
 * Sent messages of a communication in id order, after `start`, at most `limit`. Each (type,
 * delivery state) the filter keeps is one range of messages_delivery_view, already in id order;
 * the page merges those ranges (at most eight), so a filter that keeps 0.1 % of the rows, or
 * none, costs what an unfiltered page costs. Type and state are literals (from the constant
 * lists above, never from input) so each arm is an exact index range.
 *
 * SQLite merges the ordered arms (MERGE (UNION ALL)) and stops after the page. PostgreSQL plans
 * the quals of UNION ALL members without equivalence classes, so it cannot tell that each arm
 * leaves the index in id order and would sort every row after the cursor: there each arm is
 * capped at the rows the page could need, and only those are sorted.
 */
export async function deliveryPage(
  exec: SqlExec,
  communicationId: number,
  filter: DeliveryFilter,
  start: PageStart,
  limit: number,
): Promise<DeliveryRow[]> {
  const offset = start.offset ?? 0;
  const capped = exec.dialect === 'postgres';
  const arms: string[] = [];
  const params: unknown[] = [];
  for (const type of MESSAGE_TYPES.filter((t) => filter.type === undefined || t === filter.type)) {
    for (const state of DELIVERY_STATES.filter((s) => filter.status === undefined || s === filter.status)) {
      const arm = `SELECT id FROM messages WHERE communication_id = ? AND send_state = 'sent'
        AND channel = '${type}' AND delivery_state = '${state}' AND id > ?`;
      arms.push(capped ? `SELECT id FROM (${arm} ORDER BY id LIMIT ?) r${arms.length}` : arm);
      params.push(communicationId, start.afterId, ...(capped ? [offset + limit] : []));
    }
  }
  return exec.all<DeliveryRow>(
    `SELECT m.id, a.uuid AS account_uuid, a.first_name, a.last_name, m.channel, m.sent_at, m.delivery_state, m.delivery_error
     FROM (SELECT id FROM (${arms.join(' UNION ALL ')}) u ORDER BY id LIMIT ? OFFSET ?) p
     JOIN messages m ON m.id = p.id
     JOIN accounts a ON a.id = m.account_id
     ORDER BY m.id`,
    [...params, limit, offset],
  );
}

export interface FailureRow {
  id: number;
  account_id: number;
  account_uuid: string;
  first_name: string | null;
  last_name: string | null;
  line: number | null;
  channel: string;
  error_code: string | null;
  error_message: string | null;
  /** 1 when none of the account's messages of this communication reached sent. */
  received_nothing: number;
}

/** Keyset position in the failures: they are listed by account, then message. */
export interface FailureCursor {
  accountId: number;
  id: number;
}

/**
 * Messages that could not be sent, by account then id (an account's email and SMS failures side
 * by side), after `after`: one range of messages_send_failures; "received nothing" is one seek in
 * messages_sent_account per row; the CSV line one seek in the recipients' unique key.
 */
export async function failuresPage(
  exec: SqlExec,
  communicationId: number,
  after: FailureCursor,
  limit: number,
): Promise<FailureRow[]> {
  return exec.all<FailureRow>(
    `SELECT m.id, m.account_id, a.uuid AS account_uuid, a.first_name, a.last_name, r.line, m.channel,
       m.error_code, m.error_message,
       CASE WHEN EXISTS (SELECT 1 FROM messages s WHERE s.communication_id = m.communication_id
         AND s.account_id = m.account_id AND s.send_state = 'sent') THEN 0 ELSE 1 END AS received_nothing
     FROM messages m
     JOIN accounts a ON a.id = m.account_id
     LEFT JOIN recipients r ON r.communication_id = m.communication_id AND r.account_id = m.account_id
     WHERE m.communication_id = ? AND m.send_state = 'send_failed' AND (m.account_id, m.id) > (?, ?)
     ORDER BY m.account_id, m.id LIMIT ?`,
    [communicationId, after.accountId, after.id, limit],
  );
}

/**
 * The accounts that received nothing, each once (at its first send failure): a send failure of
 * the communication, no earlier failure of the same account, and no message of it sent. Shared
 * by the download and the resend, so both name the same accounts.
 */
const RECEIVED_NOTHING = `f.communication_id = ? AND f.send_state = 'send_failed'
  AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.communication_id = f.communication_id
    AND e.account_id = f.account_id AND e.send_state = 'send_failed' AND e.id < f.id)
  AND NOT EXISTS (SELECT 1 FROM messages s WHERE s.communication_id = f.communication_id
    AND s.account_id = f.account_id AND s.send_state = 'sent')`;

export type ResendScope = 'received-nothing' | 'all-failures';

/**
 * `SELECT account_id …` of the accounts a resend goes to, each once, and its parameters.
 * all-failures: a send failure or a delivery error (the `channel IN` lets the delivery errors be
 * two exact ranges of messages_delivery_view).
 */
export function resendAccounts(scope: ResendScope, communicationId: number): { sql: string; params: unknown[] } {
  if (scope === 'received-nothing') {
    return { sql: `SELECT f.account_id FROM messages f WHERE ${RECEIVED_NOTHING}`, params: [communicationId] };
  }
  return {
    sql: `SELECT f.account_id FROM messages f WHERE f.communication_id = ? AND f.send_state = 'send_failed'
      UNION SELECT d.account_id FROM messages d WHERE d.communication_id = ? AND d.send_state = 'sent'
        AND d.channel IN ('email', 'sms') AND d.delivery_state = 'failed'`,
    params: [communicationId, communicationId],
  };
}

/** The accounts that received nothing, by account id, after `afterAccountId`. */
export async function receivedNothingPage(
  exec: SqlExec,
  communicationId: number,
  afterAccountId: number,
  limit: number,
): Promise<{ account_id: number; account_uuid: string }[]> {
  return exec.all(
    `SELECT f.account_id, a.uuid AS account_uuid FROM messages f JOIN accounts a ON a.id = f.account_id
     WHERE ${RECEIVED_NOTHING} AND f.account_id > ?
     ORDER BY f.account_id LIMIT ?`,
    [communicationId, afterAccountId, limit],
  );
}

/** The oldest progress sample at or after `since`: the start of the rate's window (primary key range). */
export async function oldestSampleSince(db: Db, communicationId: number, since: number): Promise<ProgressSample | null> {
  const row = await db
    .selectFrom('send_progress')
    .select(['at', 'sent'])
    .where('communication_id', '=', communicationId)
    .where('at', '>=', since)
    .orderBy('at')
    .limit(1)
    .executeTakeFirst();
  return row ? { at: Number(row.at), sent: Number(row.sent) } : null;
}

export interface OutcomeSampleRow {
  at: number;
  sent: number;
  delivered: number;
  delivery_errors: number;
}

/** Every progress sample kept for a communication (the last ten minutes of its send), oldest first: one primary key range. */
export async function outcomeSamples(db: Db, communicationId: number): Promise<OutcomeSampleRow[]> {
  const rows = await db
    .selectFrom('send_progress')
    .select(['at', 'sent', 'delivered', 'delivery_errors'])
    .where('communication_id', '=', communicationId)
    .orderBy('at')
    .execute();
  return rows.map((r) => ({ at: Number(r.at), sent: Number(r.sent), delivered: Number(r.delivered), delivery_errors: Number(r.delivery_errors) }));
}

/**
 * Sent messages of a communication still awaiting their delivery report: two exact ranges of
 * messages_delivery_view (the `channel IN` as in resendAccounts), so polling it while reports
 * come in reads only the messages still waiting.
 */
export async function awaitingReportsCount(exec: SqlExec, communicationId: number): Promise<number> {
  const [row] = await exec.all<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM messages WHERE communication_id = ? AND send_state = 'sent'
       AND channel IN ('email', 'sms') AND delivery_state = 'in_progress'`,
    [communicationId],
  );
  return Number(row?.n ?? 0);
}
