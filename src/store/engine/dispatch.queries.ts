// The dispatcher's statements: claim a batch under a lease, record its outcomes together with
// the communication counters (and complete communications that have nothing left), return
// expired leases. Network I/O happens between claim and record, never inside a transaction.
import type { SqlExec } from './sql-exec.js';

export interface ClaimedMessage {
  id: number;
  communication_id: number;
  account_id: number;
  channel: 'email' | 'sms';
  language: string;
  address: string;
  attempts: number;
}

const CLAIMED_COLUMNS = 'id, communication_id, account_id, channel, language, address, attempts';

/** Queued, due messages of a channel → handing over, owned by `owner` until the lease expires. */
export async function claimBatch(
  exec: SqlExec,
  channel: 'email' | 'sms',
  owner: string,
  limit: number,
  now: number,
  leaseMs: number,
): Promise<ClaimedMessage[]> {
  if (exec.dialect === 'postgres') {
    // SKIP LOCKED: concurrent workers each take rows nobody else is claiming, without waiting.
    return exec.all<ClaimedMessage>(
      `UPDATE messages m SET send_state = 'handing_over', lease_owner = ?, lease_expires_at = ?, attempts = m.attempts + 1
       FROM (SELECT id FROM messages WHERE send_state = 'queued' AND channel = ? AND next_attempt_at <= ?
             ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) due
       WHERE m.id = due.id
       RETURNING m.id, m.communication_id, m.account_id, m.channel, m.language, m.address, m.attempts`,
      [owner, now + leaseMs, channel, now, limit],
    );
  }
  return exec.all<ClaimedMessage>(
    `UPDATE messages SET send_state = 'handing_over', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1
     WHERE id IN (SELECT id FROM messages WHERE send_state = 'queued' AND channel = ? AND next_attempt_at <= ?
                  ORDER BY next_attempt_at, id LIMIT ?)
     RETURNING ${CLAIMED_COLUMNS}`,
    [owner, now + leaseMs, channel, now, limit],
  );
}

export type RecordedOutcome =
  | { id: number; communicationId: number; kind: 'sent'; providerMessageId: string }
  | { id: number; communicationId: number; kind: 'failed'; code: string; message: string }
  | { id: number; communicationId: number; kind: 'retry'; nextAttemptAt: number; refundAttempt: boolean; code: string; message: string };

interface Tally {
  sent: number;
  failed: number;
  cancelled: number;
}

/**
 * Records the outcomes of a claimed batch in one transaction: each message only if it is still
 * ours (a lease that expired and was claimed again belongs to the new owner); a retry of a
 * cancelled communication becomes cancelled; counters move with the rows; communications with
 * nothing left pending complete. Returns the communications that completed.
 */
export async function recordOutcomes(
  exec: SqlExec,
  owner: string,
  provider: string,
  outcomes: readonly RecordedOutcome[],
  now: number,
): Promise<number[]> {
  if (outcomes.length === 0) return [];
  return exec.transaction(async (tx) => {
    const ids = [...new Set(outcomes.map((o) => o.communicationId))];
    const lockCommunications = () =>
      tx.all<{ id: number; status: string }>(
        `SELECT id, status FROM communications WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
        ids,
      );
    // A retry must know whether Cancel came meanwhile, so it locks the communications first, as
    // Cancel does. Without retries (the common case) the counter rows are locked last, held only
    // for the counter update, so workers recording batches of one communication barely queue.
    const retries = outcomes.some((o) => o.kind === 'retry');
    const statuses = retries ? await lockCommunications() : [];
    const cancelled = new Set(statuses.filter((s) => s.status === 'cancelled').map((s) => Number(s.id)));
    const tallies = new Map<number, Tally>(ids.map((id) => [id, { sent: 0, failed: 0, cancelled: 0 }]));
    const groups = { sent: [] as RecordedOutcome[], failed: [] as RecordedOutcome[], cancelled: [] as RecordedOutcome[], retry: [] as RecordedOutcome[] };
    for (const o of outcomes) {
      if (o.kind === 'retry' && cancelled.has(o.communicationId)) groups.cancelled.push(o);
      else groups[o.kind].push(o);
    }
    for (const kind of ['sent', 'failed', 'cancelled', 'retry'] as const) {
      for (const communicationId of await applyGroup(tx, kind, groups[kind], owner, provider, now)) {
        if (kind !== 'retry') tallies.get(communicationId)![kind]++;
      }
    }
    if (!retries) await lockCommunications();
    for (const [id, t] of tallies) {
      if (t.sent + t.failed + t.cancelled === 0) continue;
      await tx.run(
        `UPDATE communications SET messages_sent = messages_sent + ?, messages_send_failed = messages_send_failed + ?,
           messages_cancelled = messages_cancelled + ?, wait_reason = NULL WHERE id = ?`,
        [t.sent, t.failed, t.cancelled, id],
      );
    }
    return completeFinished(tx, ids, now);
  });
}

/** The statement of each kind of outcome; `?` marks are the per-message values, in this order. */
const SET: Record<'sent' | 'failed' | 'cancelled' | 'retry', string> = {
  sent: `send_state = 'sent', provider = ?, sent_at = ?, delivery_state = 'in_progress', provider_message_id = u.pid,
    error_code = NULL, error_message = NULL`,
  failed: `send_state = 'send_failed', provider = ?, error_code = u.code, error_message = u.message`,
  cancelled: `send_state = 'cancelled', error_code = u.code, error_message = u.message`,
  retry: `send_state = 'queued', next_attempt_at = u.next_at, attempts = attempts - u.refund, error_code = u.code, error_message = u.message`,
};

function valuesOf(o: RecordedOutcome): unknown[] {
  switch (o.kind) {
    case 'sent':
      return [o.providerMessageId];
    case 'failed':
      return [o.code, o.message];
    case 'retry':
      return [o.nextAttemptAt, o.refundAttempt ? 1 : 0, o.code, o.message];
  }
}

const COLUMNS: Record<keyof typeof SET, [string, string][]> = {
  sent: [['pid', 'text']],
  failed: [['code', 'text'], ['message', 'text']],
  cancelled: [['code', 'text'], ['message', 'text']],
  retry: [['next_at', 'bigint'], ['refund', 'integer'], ['code', 'text'], ['message', 'text']],
};

/**
 * Applies one kind of outcome to the messages still ours; returns the communication id of each
 * row changed. PostgreSQL: one UPDATE … FROM unnest() for the whole group. SQLite: one prepared
 * single-row UPDATE per message (microseconds each, no round trips).
 */
async function applyGroup(
  tx: SqlExec,
  kind: keyof typeof SET,
  rows: readonly RecordedOutcome[],
  owner: string,
  provider: string,
  now: number,
): Promise<number[]> {
  if (rows.length === 0) return [];
  const fixed = kind === 'sent' ? [provider, now] : kind === 'failed' ? [provider] : [];
  const columns = COLUMNS[kind];
  const values = (o: RecordedOutcome) => (o.kind === 'retry' && kind === 'cancelled' ? [o.code, o.message] : valuesOf(o));
  const clear = 'lease_owner = NULL, lease_expires_at = NULL';
  if (tx.dialect === 'postgres') {
    const arrays = columns.map((_, i) => rows.map((o) => values(o)[i]));
    const unnest = [`?::bigint[]`, ...columns.map(([, type]) => `?::${type}[]`)].join(', ');
    const names = ['id', ...columns.map(([name]) => name)].join(', ');
    const changed = await tx.all<{ communication_id: number }>(
      `UPDATE messages m SET ${SET[kind]}, ${clear} FROM unnest(${unnest}) AS u(${names})
       WHERE m.id = u.id AND m.send_state = 'handing_over' AND m.lease_owner = ? RETURNING m.communication_id`,
      [...fixed, rows.map((o) => o.id), ...arrays, owner],
    );
    return changed.map((c) => Number(c.communication_id));
  }
  // SQLite has no unnest: the same SET with each message's values bound in place of u.*, in
  // order (every SET above lists its fixed values before the per-message ones).
  const statement = `UPDATE messages SET ${SET[kind].replace(/\bu\.\w+/g, '?')}, ${clear}
    WHERE id = ? AND send_state = 'handing_over' AND lease_owner = ?`;
  const changed: number[] = [];
  for (const o of rows) {
    if ((await tx.run(statement, [...fixed, ...values(o), o.id, owner])) === 1) changed.push(o.communicationId);
  }
  return changed;
}

/**
 * In-progress communications with every recipient expanded and no message queued or handing
 * over → Completed, or Failed when any message could not be sent. The counters decide, so this
 * never scans messages.
 */
export async function completeFinished(tx: SqlExec, ids: readonly number[], now: number): Promise<number[]> {
  if (ids.length === 0) return [];
  const list = ids.map(() => '?').join(', ');
  const finished = await tx.all<{ id: number }>(
    `SELECT id FROM communications WHERE id IN (${list}) AND status = 'in_progress' AND expansion_done = 1
       AND messages_sent + messages_send_failed + messages_cancelled >= messages_total`,
    [...ids],
  );
  for (const { id } of finished) {
    await tx.run(
      `UPDATE communications SET status = CASE WHEN messages_send_failed > 0 THEN 'failed' ELSE 'completed' END,
         finished_at = ?, updated_at = ?, wait_reason = NULL WHERE id = ? AND status = 'in_progress'`,
      [now, now, id],
    );
  }
  return finished.map((f) => Number(f.id));
}

/**
 * Messages whose lease expired (their worker died or hung mid-hand-over) go back to the queue,
 * or become cancelled if their communication was cancelled meanwhile. Returns how many.
 */
export async function reapExpiredLeases(exec: SqlExec, now: number): Promise<number> {
  return exec.transaction(async (tx) => {
    const stopped = await tx.all<{ communication_id: number }>(
      `UPDATE messages SET send_state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL
       WHERE send_state = 'handing_over' AND lease_expires_at < ?
         AND communication_id IN (SELECT id FROM communications WHERE status = 'cancelled')
       RETURNING communication_id`,
      [now],
    );
    const perCommunication = new Map<number, number>();
    for (const s of stopped) perCommunication.set(Number(s.communication_id), (perCommunication.get(Number(s.communication_id)) ?? 0) + 1);
    for (const [id, n] of perCommunication) {
      await tx.run(`UPDATE communications SET messages_cancelled = messages_cancelled + ? WHERE id = ?`, [n, id]);
    }
    const requeued = await tx.run(
      `UPDATE messages SET send_state = 'queued', lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = ?
       WHERE send_state = 'handing_over' AND lease_expires_at < ?`,
      [now, now],
    );
    return requeued + stopped.length;
  });
}

/** Ids of in-progress communications whose expansion is done, for completion checks after it. */
export async function expandedInProgress(exec: SqlExec): Promise<number[]> {
  const rows = await exec.all<{ id: number }>(`SELECT id FROM communications WHERE status = 'in_progress' AND expansion_done = 1`);
  return rows.map((r) => Number(r.id));
}

/** A sample of a communication's sent count (kept ten minutes), from which the API reads the send rate. */
export async function recordProgressSample(exec: SqlExec, communicationId: number, now: number): Promise<void> {
  await exec.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO send_progress (communication_id, at, sent) SELECT id, ?, messages_sent FROM communications WHERE id = ?
       ON CONFLICT (communication_id, at) DO NOTHING`,
      [now, communicationId],
    );
    await tx.run(`DELETE FROM send_progress WHERE communication_id = ? AND at < ?`, [communicationId, now - 600_000]);
  });
}
