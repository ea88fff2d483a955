// The audit log: written by the caller inside the same transaction as the change it records, so
// a change that fails leaves no audit row and no change goes unrecorded.
import { sql, type Selectable } from 'kysely';
import type { Actor } from '../domain/actor.js';
import type { AuditLogTable } from './schema.js';
import type { Db } from './store.js';
import { escapeLike } from './like.js';

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

export type AuditRow = Selectable<AuditLogTable>;

export interface AuditFilter {
  targetType?: string;
  targetId?: string;
  /** A user id, or text found in the actor's label ("cli", part of a name or email). */
  actorUserId?: number;
  actorLabel?: string;
  /** An exact action, or a prefix when it ends with `*` ("users.*"). */
  action?: string;
  page: number;
  pageSize: number;
}

/** Newest first; each filter matches an index (target, actor, action) declared with the table. */
export async function listAudit(db: Db, filter: AuditFilter): Promise<{ rows: AuditRow[]; total: number }> {
  let query = db.selectFrom('audit_log');
  if (filter.targetType !== undefined) query = query.where('target_type', '=', filter.targetType);
  if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
  if (filter.actorUserId !== undefined) query = query.where('actor_user_id', '=', filter.actorUserId);
  if (filter.actorLabel !== undefined) {
    query = query.where(sql<boolean>`lower(actor) like ${`%${escapeLike(filter.actorLabel.toLowerCase())}%`} escape '\\'`);
  }
  if (filter.action !== undefined) {
    query = filter.action.endsWith('*')
      ? query.where(sql<boolean>`action like ${`${escapeLike(filter.action.slice(0, -1))}%`} escape '\\'`)
      : query.where('action', '=', filter.action);
  }
  const [rows, total] = await Promise.all([
    query
      .selectAll()
      .orderBy('id', 'desc')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}
