// The audit log: written by the caller inside the same transaction as the change it records, so
// a change that fails leaves no audit row and no change goes unrecorded.
import type { Actor } from '../domain/actor.js';
import type { Db } from './store.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | number | null;
  summary: string;
  details?: unknown;
}

export async function recordAudit(db: Db, actor: Actor, entry: AuditEntry, at = Date.now()): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at,
      actor_user_id: actor.userId,
      actor: actor.label,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId === undefined || entry.targetId === null ? null : String(entry.targetId),
      summary: entry.summary,
      details: entry.details === undefined ? null : JSON.stringify(entry.details),
    })
    .execute();
}
