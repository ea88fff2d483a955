// The audit row of an engine transition, written in the engine's own transaction.
import type { Actor } from '../../domain/actor.js';
import type { SqlExec } from './sql-exec.js';

export async function auditInEngine(
  tx: SqlExec,
  actor: Actor,
  entry: { action: string; targetType: string; targetId: number | string; summary: string; details?: unknown },
  at: number,
): Promise<void> {
  await tx.run(
    `INSERT INTO audit_log (at, actor_user_id, actor, action, target_type, target_id, summary, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      at,
      actor.userId,
      actor.label,
      entry.action,
      entry.targetType,
      String(entry.targetId),
      entry.summary,
      entry.details === undefined ? null : JSON.stringify(entry.details),
    ],
  );
}
