// Adding a suppression, with its audit row, inside the caller's transaction: from provider
// events (bounces, complaints, unsubscribes, STOP) and from unsubscribe links alike.
import type { Actor } from '../../domain/actor.js';
import type { SuppressionReason } from '../../domain/delivery.js';
import type { NewSuppression } from '../../sending/sending-store.js';
import { recordAudit } from '../audit.queries.js';
import type { SqlExec } from './sql-exec.js';

const LABELS: Record<SuppressionReason, string> = {
  hard_bounce: 'hard bounce',
  complaint: 'spam complaint',
  unsubscribed: 'unsubscribed',
  sms_stop: 'SMS STOP',
  manual: 'added by an operator',
};

/**
 * Suppresses an address unless it already is (the first reason stays: a later one adds nothing
 * an operator needs). Returns whether a suppression was added.
 */
export async function addSuppression(tx: SqlExec, s: NewSuppression, actor: Actor, now: number): Promise<boolean> {
  const added = await tx.all<{ id: number }>(
    `INSERT INTO suppressions (channel, address, reason, source, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (channel, address) DO NOTHING RETURNING id`,
    [s.channel, s.address, s.reason, s.source, now],
  );
  if (added.length === 0) return false;
  await audit(tx, actor, 'suppression.added', Number(added[0]!.id), `Suppressed ${s.channel} ${s.address}: ${LABELS[s.reason]}`, s, now);
  return true;
}

/**
 * Lifts a suppression of this reason (an SMS START lifts only an SMS STOP: never a hard bounce or
 * an operator's entry), with its audit row. Returns whether one was lifted.
 */
export async function liftSuppression(tx: SqlExec, s: NewSuppression, actor: Actor, now: number): Promise<boolean> {
  const lifted = await tx.all<{ id: number }>(`DELETE FROM suppressions WHERE channel = ? AND address = ? AND reason = ? RETURNING id`, [
    s.channel,
    s.address,
    s.reason,
  ]);
  if (lifted.length === 0) return false;
  await audit(tx, actor, 'suppression.lifted', Number(lifted[0]!.id), `Lifted the ${LABELS[s.reason]} suppression of ${s.channel} ${s.address}`, s, now);
  return true;
}

function audit(tx: SqlExec, actor: Actor, action: string, id: number, summary: string, s: NewSuppression, now: number): Promise<void> {
  const details = { channel: s.channel, address: s.address, reason: s.reason, source: s.source };
  return recordAudit(tx.db, actor, { action, targetType: 'suppression', targetId: id, summary, details }, now);
}

/** The channel, address and language a message was sent to (for its unsubscribe link). */
export async function messageAddress(exec: SqlExec, id: number): Promise<{ channel: string; address: string | null; language: string | null } | null> {
  const [row] = await exec.all<{ channel: string; address: string | null; language: string | null }>(`SELECT channel, address, language FROM messages WHERE id = ?`, [id]);
  return row ?? null;
}
