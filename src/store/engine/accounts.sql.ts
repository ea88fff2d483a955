// The accounts of a claimed batch, for rendering: one query per batch.
import type { RenderAccount } from '../../content/content.js';
import type { SqlExec } from './sql-exec.js';

export async function accountsForRender(exec: SqlExec, ids: readonly number[]): Promise<Map<number, RenderAccount>> {
  const unique = [...new Set(ids)];
  const where = exec.dialect === 'postgres' ? 'id = ANY(?::bigint[])' : 'id IN (SELECT value FROM json_each(?))';
  const rows = await exec.all<{
    id: number;
    uuid: string;
    first_name: string | null;
    last_name: string | null;
    email: string | null;
    phone: string | null;
    language: string | null;
    timezone: string | null;
    attributes: string;
  }>(
    `SELECT id, uuid, first_name, last_name, email, phone, language, timezone, attributes FROM accounts WHERE ${where}`,
    [exec.dialect === 'postgres' ? unique : JSON.stringify(unique)],
  );
  return new Map(rows.map((r) => [Number(r.id), renderAccountOf(r)]));
}

/** What merge tags read of an account row. */
export function renderAccountOf(r: {
  uuid: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
  timezone: string | null;
  attributes: string;
}): RenderAccount {
  return {
    uuid: r.uuid,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    phone: r.phone,
    language: r.language,
    timezone: r.timezone,
    attributes: JSON.parse(r.attributes) as Record<string, string>,
  };
}
