// The no-report sweep: sent messages still awaiting a report after the deadline become
// "no report", which is never counted as delivered nor as a delivery error, so no counter moves.
import type { SqlExec } from './sql-exec.js';

/**
 * Marks up to `limit` of the oldest overdue messages; returns how many. The partial index on
 * messages(sent_at) WHERE delivery_state = 'in_progress' keeps this cheap however many messages
 * have long been settled. On PostgreSQL rows the intake holds are skipped, not waited for: a
 * report being applied right now wins, and the next sweep sees the rest.
 */
export async function markNoReport(exec: SqlExec, sentBefore: number, limit: number, now: number): Promise<number> {
  const skipLocked = exec.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  return exec.run(
    `UPDATE messages SET delivery_state = 'no_report', delivery_updated_at = ?
     WHERE id IN (SELECT id FROM messages WHERE delivery_state = 'in_progress' AND sent_at < ? ORDER BY sent_at LIMIT ?${skipLocked})
       AND delivery_state = 'in_progress'`,
    [now, sentBefore, limit],
  );
}
