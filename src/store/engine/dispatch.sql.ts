// The dispatcher's statements: claim a batch under a lease, record its outcomes together with
// the communication counters (and complete communications that have nothing left), return
// expired leases; and what the hand-over reads (accounts, content). Network I/O happens between
// claim and record, never inside a transaction. Locks follow the order in sending-store.ts.
import type { Content } from '../../content/content.js';
import type { ClaimedMessage, RecordedOutcome } from '../../sending/sending-store.js';
import { contentOf } from '../templates.queries.js';
import { addCounts, countSql, countsOf } from './counts.sql.js';
import { inIds, type SqlExec } from './sql-exec.js';

const CLAIMED_COLUMNS = 'id, communication_id, account_id, channel, language, address, attempts';

/**
 * Queued, due messages of a channel → handing over, owned by `owner` until the lease expires.
 * Only messages of communications in progress: after Cancel commits none of its messages is
 * claimed (on PostgreSQL a claim that started just before may still commit after it; the
 * dispatcher re-reads the statuses once its claim has committed, see notInProgress).
 */
export async function claimBatch(
  exec: SqlExec,
  channel: 'email' | 'sms',
  owner: string,
  limit: number,
  now: number,
  leaseMs: number,
): Promise<ClaimedMessage[]> {
  const due = `SELECT id FROM messages WHERE send_state = 'queued' AND channel = ? AND next_attempt_at <= ?
      AND communication_id IN (SELECT id FROM communications WHERE status = 'in_progress')
    ORDER BY next_attempt_at, id LIMIT ?`;
  if (exec.dialect === 'postgres') {
    // SKIP LOCKED: concurrent workers each take rows nobody else is claiming, without waiting.
    return exec.all<ClaimedMessage>(
      `UPDATE messages m SET send_state = 'handing_over', lease_owner = ?, lease_expires_at = ?, attempts = m.attempts + 1
       FROM (${due} FOR UPDATE SKIP LOCKED) due
       WHERE m.id = due.id
       RETURNING m.id, m.communication_id, m.account_id, m.channel, m.language, m.address, m.attempts`,
      [owner, now + leaseMs, channel, now, limit],
    );
  }
  return exec.all<ClaimedMessage>(
    `UPDATE messages SET send_state = 'handing_over', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1
     WHERE id IN (${due})
     RETURNING ${CLAIMED_COLUMNS}`,
    [owner, now + leaseMs, channel, now, limit],
  );
}

/** Which of these communications are no longer in progress. */
export async function notInProgress(exec: SqlExec, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const [where, param] = inIds(exec, 'id', ids);
  const rows = await exec.all<{ id: number }>(`SELECT id FROM communications WHERE ${where} AND status <> 'in_progress'`, [param]);
  return new Set(rows.map((r) => Number(r.id)));
}

interface Tally {
  sent: number;
  failed: number;
  cancelled: number;
}

/**
 * Records the outcomes of a claimed batch in one transaction: each message only if it is still
 * ours (a lease that expired and was claimed again belongs to the new owner); a retry of a
 * communication no longer in progress, and a message stopped before its hand-over, become
 * cancelled; counters move with the rows. Then, once committed, communications with nothing left
 * pending complete. Returns the communications that completed.
 */
export async function recordOutcomes(
  exec: SqlExec,
  owner: string,
  provider: string,
  outcomes: readonly RecordedOutcome[],
  now: number,
): Promise<number[]> {
  if (outcomes.length === 0) return [];
  const ids = [...new Set(outcomes.map((o) => o.communicationId))];
  const retriedIn = await exec.transaction(async (tx) => {
    const tallies = new Map<number, Tally>(ids.map((id) => [id, { sent: 0, failed: 0, cancelled: 0 }]));
    const groups = { sent: [] as RecordedOutcome[], failed: [] as RecordedOutcome[], cancelled: [] as RecordedOutcome[], retry: [] as RecordedOutcome[] };
    for (const o of outcomes) groups[o.kind === 'stopped' ? 'cancelled' : o.kind].push(o);
    const retried = new Map<number, number[]>();
    for (const kind of ['sent', 'failed', 'cancelled', 'retry'] as const) {
      const changed = await applyGroup(tx, kind, groups[kind], owner, provider, now);
      changed.forEach((communicationId, i) => {
        if (kind !== 'retry') tallies.get(communicationId)![kind]++;
        else if (retried.has(communicationId)) retried.get(communicationId)!.push(changed.ids[i]!);
        else retried.set(communicationId, [changed.ids[i]!]);
      });
    }
    // A retry of a communication cancelled by now is not queued again (these rows are still this
    // transaction's: no claim can see them queued before it commits). A Cancel that commits
    // after this read is caught once this commits, below.
    if (retried.size > 0) {
      const stopped = await notInProgress(tx, [...retried.keys()]);
      for (const id of stopped) {
        const messageIds = retried.get(id)!;
        tallies.get(id)!.cancelled += await tx.run(
          `UPDATE messages SET send_state = 'cancelled' WHERE id IN (${messageIds.map(() => '?').join(', ')}) AND send_state = 'queued'`,
          messageIds,
        );
        retried.delete(id);
      }
    }
    // The counters last (the order in sending-store.ts), in a shard row of their own: no row
    // that every worker queues on.
    await addCounts(tx, new Map([...tallies].map(([id, t]) => [id, { sent: t.sent, sendFailed: t.failed, cancelled: t.cancelled }])));
    const answered = [...tallies].filter(([, t]) => t.sent + t.failed > 0).map(([id]) => id);
    if (answered.length > 0) {
      await tx.run(`UPDATE communications SET wait_reason = NULL WHERE id IN (${answered.map(() => '?').join(', ')}) AND wait_reason IS NOT NULL`, answered);
    }
    return [...retried.keys()];
  });
  // Queued again in a communication that Cancel stopped meanwhile: its stopping must run (again).
  await restartStopping(exec, retriedIn);
  // After the commit: whichever worker records the last messages of a communication sees every
  // other worker's counts once its own have committed, so one of them completes it.
  return completeFinished(exec, ids, now);
}

/**
 * Rows just queued again (a retry, an expired lease) in communications that may have been
 * cancelled while that transaction ran: either Cancel committed before this reads, and this
 * flags the communication for stopping, or after those rows were committed, and the stopping
 * that follows Cancel sees them queued.
 */
async function restartStopping(exec: SqlExec, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await exec.run(`UPDATE communications SET stop_pending = 1 WHERE status = 'cancelled' AND stop_pending = 0 AND id IN (${ids.map(() => '?').join(', ')})`, [...ids]);
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
    case 'stopped':
      return ['cancelled', 'the communication was cancelled before this message was handed over'];
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
 * row changed (and, in `ids`, the message id of each). PostgreSQL: one UPDATE … FROM unnest()
 * for the whole group. SQLite: one prepared single-row UPDATE per message (microseconds each,
 * no round trips).
 */
async function applyGroup(
  tx: SqlExec,
  kind: keyof typeof SET,
  rows: readonly RecordedOutcome[],
  owner: string,
  provider: string,
  now: number,
): Promise<number[] & { ids: number[] }> {
  const result = Object.assign([] as number[], { ids: [] as number[] });
  if (rows.length === 0) return result;
  const fixed = kind === 'sent' ? [provider, now] : kind === 'failed' ? [provider] : [];
  const columns = COLUMNS[kind];
  const clear = 'lease_owner = NULL, lease_expires_at = NULL';
  if (tx.dialect === 'postgres') {
    const arrays = columns.map((_, i) => rows.map((o) => valuesOf(o)[i]));
    const unnest = [`?::bigint[]`, ...columns.map(([, type]) => `?::${type}[]`)].join(', ');
    const names = ['id', ...columns.map(([name]) => name)].join(', ');
    const changed = await tx.all<{ id: number; communication_id: number }>(
      `UPDATE messages m SET ${SET[kind]}, ${clear} FROM unnest(${unnest}) AS u(${names})
       WHERE m.id = u.id AND m.send_state = 'handing_over' AND m.lease_owner = ? RETURNING m.id, m.communication_id`,
      [...fixed, rows.map((o) => o.id), ...arrays, owner],
    );
    for (const c of changed) {
      result.push(Number(c.communication_id));
      result.ids.push(Number(c.id));
    }
    return result;
  }
  // SQLite has no unnest: the same SET with each message's values bound in place of u.*, in
  // order (every SET above lists its fixed values before the per-message ones).
  const statement = `UPDATE messages SET ${SET[kind].replace(/\bu\.\w+/g, '?')}, ${clear}
    WHERE id = ? AND send_state = 'handing_over' AND lease_owner = ?`;
  for (const o of rows) {
    if ((await tx.run(statement, [...fixed, ...valuesOf(o), o.id, owner])) === 1) {
      result.push(o.communicationId);
      result.ids.push(o.id);
    }
  }
  return result;
}

/**
 * In-progress communications with every recipient expanded and no message queued or handing
 * over → Completed, or Failed when any message could not be sent. The counters decide, so this
 * never scans messages. Guarded: of several callers at once, one makes the transition.
 */
export async function completeFinished(exec: SqlExec, ids: readonly number[], now: number): Promise<number[]> {
  if (ids.length === 0) return [];
  const [where, param] = inIds(exec, 'id', ids);
  const expanded = await exec.all<{ id: number }>(`SELECT id FROM communications WHERE ${where} AND status = 'in_progress' AND expansion_done = 1`, [param]);
  if (expanded.length === 0) return [];
  const counts = await countsOf(
    exec,
    expanded.map((e) => Number(e.id)),
  );
  const completed: number[] = [];
  for (const [id, c] of counts) {
    if (c.sent + c.sendFailed + c.cancelled < c.total) continue;
    const changed = await exec.run(
      `UPDATE communications SET status = ?, finished_at = ?, updated_at = ?, wait_reason = NULL WHERE id = ? AND status = 'in_progress' AND expansion_done = 1`,
      [c.sendFailed > 0 ? 'failed' : 'completed', now, now, id],
    );
    if (changed === 1) completed.push(id);
  }
  return completed;
}

/** In-progress communications whose expansion is done: what completeFinished checks now and then. */
export async function expandedInProgress(exec: SqlExec): Promise<number[]> {
  const rows = await exec.all<{ id: number }>(`SELECT id FROM communications WHERE status = 'in_progress' AND expansion_done = 1`);
  return rows.map((r) => Number(r.id));
}

/**
 * Messages whose lease expired (their worker died or hung mid-hand-over) go back to the queue,
 * or become cancelled if their communication is no longer in progress. Returns how many.
 */
export async function reapExpiredLeases(exec: SqlExec, now: number): Promise<number> {
  const result = await exec.transaction(async (tx) => {
    // Messages first, then the counters of their communications (the order in
    // sending-store.ts). A communication no longer in progress never returns to it, so its status
    // needs no lock to be read here; one cancelled while this runs is caught by restartStopping.
    const stopped = await tx.all<{ communication_id: number }>(
      `UPDATE messages SET send_state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL
       WHERE send_state = 'handing_over' AND lease_expires_at < ?
         AND communication_id IN (SELECT id FROM communications WHERE status <> 'in_progress')
       RETURNING communication_id`,
      [now],
    );
    const perCommunication = new Map<number, number>();
    for (const s of stopped) perCommunication.set(Number(s.communication_id), (perCommunication.get(Number(s.communication_id)) ?? 0) + 1);
    const requeued = await tx.all<{ communication_id: number }>(
      `UPDATE messages SET send_state = 'queued', lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = ?
       WHERE send_state = 'handing_over' AND lease_expires_at < ?
         AND communication_id IN (SELECT id FROM communications WHERE status = 'in_progress')
       RETURNING communication_id`,
      [now, now],
    );
    await addCounts(tx, new Map([...perCommunication].map(([id, n]) => [id, { cancelled: n }])));
    return { returned: requeued.length + stopped.length, requeuedIn: [...new Set(requeued.map((r) => Number(r.communication_id)))] };
  });
  await restartStopping(exec, result.requeuedIn);
  return result.returned;
}

/**
 * A sample of a communication's sent, delivered and delivery-error counts (kept ten minutes): the
 * API reads the send rate and the chart of delivery outcomes over time from them.
 */
export async function recordProgressSample(exec: SqlExec, communicationId: number, now: number): Promise<void> {
  await exec.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO send_progress (communication_id, at, sent, delivered, delivery_errors)
       SELECT c.id, ?, ${countSql('messages_sent', 'c')}, ${countSql('messages_delivered', 'c')}, ${countSql('delivery_errors', 'c')}
       FROM communications c WHERE c.id = ?
       ON CONFLICT (communication_id, at) DO NOTHING`,
      [now, communicationId],
    );
    await tx.run(`DELETE FROM send_progress WHERE communication_id = ? AND at < ?`, [communicationId, now - 600_000]);
  });
}

/** Why in-progress communications are waiting; null clears it. */
export async function setWaitReason(exec: SqlExec, reason: string | null): Promise<void> {
  await exec.run(`UPDATE communications SET wait_reason = ? WHERE status = 'in_progress'`, [reason]);
}

/** A sent communication's name and content. */
export async function sendableContent(exec: SqlExec, id: number): Promise<{ name: string; content: Content } | null> {
  const [row] = await exec.all<{ name: string; default_language: string; email: string | null; sms: string | null }>(
    `SELECT name, default_language, email, sms FROM communications WHERE id = ?`,
    [id],
  );
  return row ? { name: row.name, content: contentOf(row) } : null;
}
