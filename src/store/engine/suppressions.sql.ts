// Adding a suppression, with its audit row, inside the caller's transaction: from provider
// events (bounces, complaints, unsubscribes, STOP) and from unsubscribe links alike.
import type { Actor } from '../../domain/actor.js';
import type { SuppressionReason } from '../../domain/delivery.js';
import { auditInEngine } from './audit.sql.js';
import type { SqlExec } from './sql-exec.js';

export interface NewSuppression {
  channel: 'email' | 'sms';
  address: string;
  reason: SuppressionReason;
  /** Where it came from: `sandbox:<event key>`, `unsubscribe-link:message 42`. */
  source: string;
}

const LABELS: Record<SuppressionReason, string> = {
  hard_bounce: 'hard bounce',
  complaint: 'spam complaint',
  unsubscribed: 'unsubscribed',
  sms_stop: 'SMS STOP',
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
  await auditInEngine(
    tx,
    actor,
    {
      action: 'suppression.added',
      targetType: 'suppression',
      targetId: Number(added[0]!.id),
      summary: `Suppressed ${s.channel} ${s.address}: ${LABELS[s.reason]}`,
      details: { channel: s.channel, address: s.address, reason: s.reason, source: s.source },
    },
    now,
  );
  return true;
}
