// Reading the audit log. Entries are written by each change, in its own transaction, through
// recordAudit (src/store/audit.queries.ts); this is the admin's view of them.
import { CrierError } from '../domain/errors.js';
import { listAudit, type AuditFilter } from '../store/audit.queries.js';
import type { Store } from '../store/store.js';
import type { Page } from './accounts.service.js';

export interface AuditEntryView {
  id: number;
  at: string;
  actor: { userId: number | null; label: string };
  action: string;
  target: { type: string; id: string | null };
  summary: string;
  details: unknown;
}

export interface AuditQuery {
  /** `type` or `type:id`, e.g. `user:3`. */
  target?: string;
  /** A user id, or text of the actor's label. */
  actor?: string;
  action?: string;
  page: number;
  pageSize: number;
}

export class AuditService {
  constructor(private readonly deps: { store: Store }) {}

  async list(query: AuditQuery): Promise<Page<AuditEntryView>> {
    const filter: AuditFilter = { page: query.page, pageSize: query.pageSize };
    if (query.target !== undefined) {
      const at = query.target.indexOf(':');
      filter.targetType = at < 0 ? query.target : query.target.slice(0, at);
      if (at >= 0) filter.targetId = query.target.slice(at + 1);
      if (filter.targetType === '') {
        throw new CrierError('validation_failed', 'target must be type or type:id, e.g. user:3', [{ field: 'target', problem: 'is empty' }]);
      }
    }
    if (query.actor !== undefined) {
      if (/^\d+$/.test(query.actor)) filter.actorUserId = Number(query.actor);
      else filter.actorLabel = query.actor;
    }
    if (query.action !== undefined) filter.action = query.action;
    const { rows, total } = await listAudit(this.deps.store.db, filter);
    return {
      items: rows.map((r) => ({
        id: Number(r.id),
        at: new Date(Number(r.at)).toISOString(),
        actor: { userId: r.actor_user_id === null ? null : Number(r.actor_user_id), label: r.actor },
        action: r.action,
        target: { type: r.target_type, id: r.target_id },
        summary: r.summary,
        details: r.details === null ? null : (JSON.parse(r.details) as unknown),
      })),
      page: query.page,
      pageSize: query.pageSize,
      total,
    };
  }
}
