// Send, and the expansion of recipients into messages. Send is one guarded transition; the
// expansion then runs in chunks of recipients, each chunk one transaction that inserts its
// messages set-wise, adds to the counters and moves the cursor, so a process that dies mid-way
// resumes exactly where the last chunk ended and never inserts a chunk twice.
import type { Actor } from '../../domain/actor.js';
import { auditInEngine } from './audit.sql.js';
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
      await auditInEngine(tx, actor, { action: 'communication.sent', targetType: 'communication', targetId: id, summary: 'Pressed Send' }, now);
    }
    return changed === 1;
  });
}

/** What the expansion needs to know of the content. */
export interface ExpansionContent {
  defaultLanguage: string;
  /** Languages with content, per channel; null when the channel has no content. */
  email: readonly string[] | null;
  sms: readonly string[] | null;
}

export type ChooseLanguage = (accountLanguage: string | null, available: readonly string[], fallback: string) => string;

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

export interface ChunkResult {
  done: boolean;
  queued: number;
  failed: number;
}

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
    const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await tx.all<{ status: string; expansion_cursor: number; expansion_done: number }>(
      `SELECT status, expansion_cursor, expansion_done FROM communications WHERE id = ?${lock}`,
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
      await tx.run(`UPDATE communications SET expansion_done = 1 WHERE id = ?`, [id]);
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
    await tx.run(
      `UPDATE communications SET messages_total = messages_total + ?, messages_send_failed = messages_send_failed + ?,
         expansion_cursor = ? WHERE id = ?`,
      [queued + failed, failed, to, id],
    );
    return { done: false, queued, failed };
  });
}

/** In-progress communications whose recipients are not all expanded yet. */
export async function pendingExpansions(exec: SqlExec): Promise<number[]> {
  const rows = await exec.all<{ id: number }>(
    `SELECT id FROM communications WHERE status = 'in_progress' AND expansion_done = 0 ORDER BY id`,
  );
  return rows.map((r) => Number(r.id));
}

/**
 * Cancel: one transaction. The status guard first, then every queued message of the
 * communication becomes cancelled, so no worker can claim one after this commits; messages being
 * handed over finish as they will. Returns the number cancelled, or null when the communication
 * was not in progress.
 */
export async function cancelSending(exec: SqlExec, id: number, actor: Actor, now: number): Promise<number | null> {
  return exec.transaction(async (tx) => {
    const changed = await tx.run(
      `UPDATE communications SET status = 'cancelled', cancelled_by = ?, finished_at = ?, updated_at = ?, expansion_done = 1,
         wait_reason = NULL WHERE id = ? AND status = 'in_progress'`,
      [actor.userId, now, now, id],
    );
    if (changed !== 1) return null;
    const stopped = await tx.run(`UPDATE messages SET send_state = 'cancelled' WHERE communication_id = ? AND send_state = 'queued'`, [id]);
    await tx.run(`UPDATE communications SET messages_cancelled = messages_cancelled + ? WHERE id = ?`, [stopped, id]);
    await auditInEngine(
      tx,
      actor,
      { action: 'communication.cancelled', targetType: 'communication', targetId: id, summary: `Cancelled: ${stopped} pending messages stopped`, details: { stopped } },
      now,
    );
    return stopped;
  });
}
