// Templates: reusable content. Stored with their content as JSON per channel.
import type { Content } from '../content/content.js';
import type { TemplatesTable } from './schema.js';
import type { Db } from './store.js';

export type TemplateRow = Omit<TemplatesTable, 'id' | 'version'> & { id: number; version: number };

export function contentOf(row: { default_language: string; email: string | null; sms: string | null }): Content {
  return {
    defaultLanguage: row.default_language,
    email: row.email === null ? null : (JSON.parse(row.email) as Content['email']),
    sms: row.sms === null ? null : (JSON.parse(row.sms) as Content['sms']),
  };
}

export function contentColumns(content: Content): { default_language: string; email: string | null; sms: string | null } {
  return {
    default_language: content.defaultLanguage,
    email: content.email === null ? null : JSON.stringify(content.email),
    sms: content.sms === null ? null : JSON.stringify(content.sms),
  };
}

export async function listTemplates(db: Db): Promise<TemplateRow[]> {
  return db.selectFrom('templates').selectAll().orderBy('name').orderBy('id').execute();
}

export async function findTemplate(db: Db, id: number): Promise<TemplateRow | undefined> {
  return db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findTemplateByName(db: Db, name: string): Promise<TemplateRow | undefined> {
  return db.selectFrom('templates').selectAll().where('name', '=', name).orderBy('id').executeTakeFirst();
}

export async function insertTemplate(db: Db, name: string, content: Content, userId: number | null, now: number): Promise<number> {
  const row = await db
    .insertInto('templates')
    .values({ name, ...contentColumns(content), created_by: userId, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Updates when `version` is current; returns false when the row is missing or changed meanwhile. */
export async function updateTemplate(db: Db, id: number, version: number, name: string, content: Content, now: number): Promise<boolean> {
  const result = await db
    .updateTable('templates')
    .set((eb) => ({ name, ...contentColumns(content), updated_at: now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteTemplate(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('templates').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
