// Send and Cancel, and the work each leaves the sender: the expansion of recipients into
// messages, and stopping a cancelled communication's queued messages. Send and Cancel are each
// one guarded transition; the expansion runs in chunks of recipients, each chunk one transaction
// that inserts its messages set-wise, adds to the counters and moves the cursor, so a process that
// dies mid-way resumes exactly where the last chunk ended and never inserts a chunk twice.
// Locks follow the order in sending-store.ts.
import type { Actor } from '../../domain/actor.js';
import type { ChooseLanguage, ChunkResult, ExpansionContent } from '../../sending/sending-store.js';
import { recordAudit } from '../audit.queries.js';
import { addCounts, countsOf } from './counts.sql.js';
import { completeFinished } from './dispatch.sql.js';
import type { SqlExec } from './sql-exec.js';

export async function startSending(
  exec: SqlExec,
  id: number,
  version: number,
  actor: Actor,
  now: number,
): Promise<boolean> {
  return exec.transaction(async (tx) => {
    const changed = await tx.run(
      `UPDATE communications SET status = 'in_progress', sent_by = ?, send_started_at = ?, updated_at = ?,
         version = version + 1, step = 'review'
       WHERE id = ? AND status = 'draft' AND version = ?`,
      [actor.userId, now, now, id, version],
    );
    if (changed === 1) {
      await recordAudit(tx.db, actor, { action: 'communication.sent', targetType: 'communication', targetId: id, summary: 'Pressed Send' }, now);
    }
    return changed === 1;
  });
}

const SUPPRESSED = (channel: 'email' | 'sms', column: string) =>
  `EXISTS (SELECT 1 FROM suppressions s WHERE s.channel = '${channel}' AND s.address = ${column})`;
const REACHABLE = {
  email: `(a.email IS NOT NULL AND a.email_consent = 1 AND NOT ${SUPPRESSED('email', 'a.email')})`,
  sms: `(a.phone IS NOT NULL AND a.sms_consent = 1 AND NOT ${SUPPRESSED('sms', 'a.phone')})`,
};
const WHY_NOT = {
  email: `CASE WHEN a.email IS NULL THEN 'no email address' WHEN a.email_consent = 0 THEN 'email consent withdrawn' ELSE 'email address suppressed' END`,
  sms: `CASE WHEN a.phone IS NULL THEN 'no phone number' WHEN a.sms_consent = 0 THEN 'SMS consent withdrawn' ELSE 'phone number suppressed' END`,
};
const ADDRESS = { email: 'a.email', sms: 'a.phone' };

/**
 * Expands the next chunk of recipients (by recipient id) into messages: one queued message per
 * reachable channel, one send failure (`no_reachable_channel`, with the reasons) per account
 * that can receive nothing. Language and address are frozen here.
 */
export async function expandChunk(
  exec: SqlExec,
  id: number,
  content: ExpansionContent,
  choose: ChooseLanguage,
  chunkSize: number,
  now: number,
): Promise<ChunkResult> {
  return exec.transaction(async (tx) => {
    // One worker expands a communication at a time: on PostgreSQL a transaction-scoped advisory
    // lock says which (another worker's is skipped, not waited for); SQLite has one writer. The
    // communication's row is not locked while the chunk's messages are inserted: only by the
    // final UPDATE of its counters and cursor, held to the commit (the order in sending-store.ts).
    if (tx.dialect === 'postgres') {
      const [got] = await tx.all<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(?, ?::int) AS locked`, [EXPANSION_LOCK, id]);
      if (!got?.locked) return { done: false, busy: true, queued: 0, failed: 0 };
    }
    const [row] = await tx.all<{ status: string; expansion_cursor: number; expansion_done: number }>(
      `SELECT status, expansion_cursor, expansion_done FROM communications WHERE id = ?`,
      [id],
    );
    if (!row || row.status !== 'in_progress' || Number(row.expansion_done) === 1) return { done: true, queued: 0, failed: 0 };
    const from = Number(row.expansion_cursor);
    const [bound] = await tx.all<{ hi: number | null }>(
      // By id range on the primary key: "+" keeps the planner off the (communication_id, account_id)
      // index, which would scan every recipient of the communication for each chunk.
      `SELECT MAX(id) AS hi FROM (SELECT id FROM recipients WHERE id > ? AND +communication_id = ? ORDER BY id LIMIT ?) chunk`,
      [from, id, chunkSize],
    );
    const to = bound?.hi === null || bound?.hi === undefined ? null : Number(bound.hi);
    if (to === null) {
      await tx.run(`UPDATE communications SET expansion_done = 1 WHERE id = ? AND status = 'in_progress'`, [id]);
      return { done: true, queued: 0, failed: 0 };
    }
    const scope = `FROM recipients r JOIN accounts a ON a.id = r.account_id WHERE +r.communication_id = ? AND r.id > ? AND r.id <= ?`;
    const languages = (
      await tx.all<{ language: string | null }>(`SELECT DISTINCT a.language AS language ${scope}`, [id, from, to])
    ).map((l) => l.language);

    let queued = 0;
    const channels = (['email', 'sms'] as const).filter((c) => content[c] !== null);
    for (const channel of channels) {
      const available = content[channel]!;
      const whens = languages.filter((l): l is string => l !== null);
      const languageCase =
        whens.length === 0 ? '?' : `CASE a.language ${whens.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ? END`;
      const languageParams = [...whens.flatMap((l) => [l, choose(l, available, content.defaultLanguage)]), choose(null, available, content.defaultLanguage)];
      queued += await tx.run(
        `INSERT INTO messages (communication_id, account_id, channel, language, address, send_state, next_attempt_at, created_at)
         SELECT r.communication_id, r.account_id, '${channel}', ${languageCase}, ${ADDRESS[channel]}, 'queued', ?, ?
         ${scope} AND ${REACHABLE[channel]}`,
        [...languageParams, now, now, id, from, to],
      );
    }
    const failed =
      channels.length === 0
        ? 0
        : await tx.run(
            `INSERT INTO messages (communication_id, account_id, channel, language, address, send_state,
               error_code, error_message, next_attempt_at, created_at)
             SELECT r.communication_id, r.account_id, '${channels[0]}', NULL, NULL, 'send_failed',
               'no_reachable_channel', ${channels.map((c) => WHY_NOT[c]).join(` || '; ' || `)}, ?, ?
             ${scope} AND ${channels.map((c) => `NOT ${REACHABLE[c]}`).join(' AND ')}`,
            [now, now, id, from, to],
          );
    // Guarded: if Cancel committed meanwhile (or the cursor moved), nothing of this chunk stays.
    await addCounts(tx, new Map([[id, { total: queued + failed, sendFailed: failed }]]));
    const moved = await tx.run(`UPDATE communications SET expansion_cursor = ? WHERE id = ? AND status = 'in_progress' AND expansion_cursor = ?`, [to, id, from]);
    if (moved !== 1) throw new ChunkAbandoned();
    return { done: false, queued, failed };
  }).catch((err: unknown) => {
    if (err instanceof ChunkAbandoned) return { done: true, queued: 0, failed: 0 };
    throw err;
  });
}

/** The advisory lock class of expansions (PostgreSQL): "cr". */
const EXPANSION_LOCK = 0x6372;

/** Thrown to roll a chunk back when its communication changed while it was inserted. */
class ChunkAbandoned extends Error {}

/** In-progress communications whose recipients are not all expanded yet. */
export async function pendingExpansions(exec: SqlExec): Promise<number[]> {
  const rows = await exec.all<{ id: number }>(
    `SELECT id FROM communications WHERE status = 'in_progress' AND expansion_done = 0 ORDER BY id`,
  );
  return rows.map((r) => Number(r.id));
}

/** After the last chunk: complete the communication if nothing is left to send. */
export async function completeIfFinished(exec: SqlExec, id: number, now: number): Promise<boolean> {
  return (await completeFinished(exec, [id], now)).length > 0;
}

/**
 * Cancel: one short transaction whatever the size of the communication. The status guard, the
 * expansion stopped, the audit row. No message of a cancelled communication is claimed from this
 * commit on (the claim keeps to communications in progress, and the dispatcher re-reads the
 * status of what it claimed before handing it over); its queued messages are then turned into
 * cancelled ones by the sender, a chunk at a time (stopQueued). Messages being handed over
 * finish as they will. Updating every queued message here instead held row locks on up to a
 * million rows for seconds, and deadlocked against the recording of batches.
 */
export async function cancelSending(exec: SqlExec, id: number, actor: Actor, now: number): Promise<boolean> {
  return exec.transaction(async (tx) => {
    const changed = await tx.run(
      `UPDATE communications SET status = 'cancelled', cancelled_by = ?, finished_at = ?, updated_at = ?, expansion_done = 1,
         stop_pending = 1, wait_reason = NULL WHERE id = ? AND status = 'in_progress'`,
      [actor.userId, now, now, id],
    );
    if (changed !== 1) return false;
    // Not yet sent: the queued messages this stops, and those being handed over right now.
    const c = (await countsOf(tx, [id])).get(id)!;
    const pending = c.total - c.sent - c.sendFailed - c.cancelled;
    await recordAudit(
      tx.db,
      actor,
      { action: 'communication.cancelled', targetType: 'communication', targetId: id, summary: `Cancelled with ${pending} messages not yet sent`, details: { pending } },
      now,
    );
    return true;
  });
}

/** Cancelled communications whose queued messages are not all stopped yet. */
export async function stoppingCommunications(exec: SqlExec): Promise<number[]> {
  const rows = await exec.all<{ id: number }>(`SELECT id FROM communications WHERE stop_pending = 1 AND status = 'cancelled' ORDER BY id`);
  return rows.map((r) => Number(r.id));
}

/**
 * The next `limit` queued messages of a cancelled communication → cancelled, with the counter, in
 * one transaction; when none are left, `stop_pending` is cleared. Found through the partial index
 * of queued messages (messages_due), which holds only the rows still waiting: each chunk starts
 * at the first queued one instead of passing every message already sent. Messages first, the
 * counters last (the order in sending-store.ts); on PostgreSQL a message another transaction
 * holds is skipped, not waited for: it is being claimed (and will be stopped by the dispatcher)
 * or recorded.
 */
export async function stopQueued(exec: SqlExec, id: number, limit: number): Promise<{ stopped: number; done: boolean }> {
  return exec.transaction(async (tx) => {
    // Cancelled is final: the status needs no lock to be read.
    const [row] = await tx.all<{ status: string }>(`SELECT status FROM communications WHERE id = ?`, [id]);
    if (row?.status !== 'cancelled') return { stopped: 0, done: true };
    const skip = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    let stopped = 0;
    for (const channel of ['email', 'sms'] as const) {
      if (stopped >= limit) break;
      stopped += await tx.run(
        `UPDATE messages SET send_state = 'cancelled'
         WHERE id IN (SELECT id FROM messages WHERE send_state = 'queued' AND channel = ? AND communication_id = ?
                      ORDER BY next_attempt_at, id LIMIT ?${skip})
           AND send_state = 'queued'`,
        [channel, id, limit - stopped],
      );
    }
    const done = stopped < limit;
    await addCounts(tx, new Map([[id, { cancelled: stopped }]]));
    if (done) await tx.run(`UPDATE communications SET stop_pending = 0 WHERE id = ?`, [id]);
    return { stopped, done };
  });
}
