// Communications: drafts and their lifecycle. Every status change is one guarded UPDATE whose
// row count says whether it happened (STYLE habit 3); drafts also carry a version for
// optimistic concurrency.
import { sql } from 'kysely';
import type { Content } from '../content/content.js';
import type { CommunicationStatus, WizardStep } from '../domain/communication.js';
import type { CommunicationsTable } from './schema.js';
import type { Db, Dialect } from './store.js';
import { contentColumns } from './templates.queries.js';
import { COUNTER_COLUMNS, countSql, type CounterColumn } from './engine/counts.sql.js';
import { escapeLike } from './like.js';

type Resolved<T> = { [K in keyof T]: T[K] extends import('kysely').Generated<infer U> ? U : T[K] };
export type CommunicationRow = Resolved<CommunicationsTable> & {
  sent_by_first_name: string | null;
  sent_by_last_name: string | null;
} & Record<CounterColumn, number>;

function withSender(db: Db) {
  return db
    .selectFrom('communications as c')
    .leftJoin('users as u', 'u.id', 'c.sent_by')
    .selectAll('c')
    .select(['u.first_name as sent_by_first_name', 'u.last_name as sent_by_last_name'])
    .select(COUNTER_COLUMNS.map((name) => sql<number>`${sql.raw(countSql(name, 'c'))}`.as(name)));
}

export async function findCommunication(db: Db, id: number): Promise<CommunicationRow | undefined> {
  return (await withSender(db).where('c.id', '=', id).executeTakeFirst()) as CommunicationRow | undefined;
}

export interface CommunicationSearch {
  statuses: CommunicationStatus[];
  q?: string;
  page: number;
  pageSize: number;
}

export async function listCommunications(
  db: Db,
  dialect: Dialect,
  search: CommunicationSearch,
): Promise<{ rows: CommunicationRow[]; total: number }> {
  let query = withSender(db);
  let count = db.selectFrom('communications as c').select((eb) => eb.fn.countAll<number>().as('n'));
  if (search.statuses.length > 0) {
    query = query.where('c.status', 'in', search.statuses);
    count = count.where('c.status', 'in', search.statuses);
  }
  const q = search.q?.trim();
  if (q) {
    const pattern = `%${escapeLike(q)}%`;
    const op = sql.raw(dialect === 'postgres' ? 'ilike' : 'like');
    query = query.where(sql<boolean>`c.name ${op} ${pattern} escape '\\'`);
    count = count.where(sql<boolean>`c.name ${op} ${pattern} escape '\\'`);
  }
  const [rows, total] = await Promise.all([
    query
      .orderBy('c.id', 'desc')
      .limit(search.pageSize)
      .offset((search.page - 1) * search.pageSize)
      .execute(),
    count.executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as CommunicationRow[], total: Number(total.n) };
}

export async function insertDraft(
  db: Db,
  draft: { name: string; templateId: number | null; content: Content; step: WizardStep; userId: number | null },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('communications')
    .values({
      name: draft.name,
      template_id: draft.templateId,
      step: draft.step,
      ...contentColumns(draft.content),
      created_by: draft.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export interface DraftChanges {
  name?: string;
  step?: WizardStep;
  content?: Content;
}

/**
 * Applies changes to a draft whose version is `version`; bumps the version. Returns false when
 * nothing was updated (missing, no longer a draft, or a newer version exists): the caller reads
 * the row to say which.
 */
export async function updateDraft(db: Db, id: number, version: number, changes: DraftChanges, now: number): Promise<boolean> {
  const result = await db
    .updateTable('communications')
    .set((eb) => ({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.step !== undefined ? { step: changes.step } : {}),
      ...(changes.content !== undefined ? contentColumns(changes.content) : {}),
      updated_at: now,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes a draft (recipients go with it). False when it is missing or not a draft. */
export async function deleteDraft(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('communications').where('id', '=', id).where('status', '=', 'draft').executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
