// The accounts of a claimed batch, for rendering: one query per batch.
import type { RenderAccount } from '../../content/content.js';
import type { AccountsTable } from '../schema.js';
import { inIds, type SqlExec } from './sql-exec.js';

const RENDER_COLUMNS = 'uuid, first_name, last_name, email, phone, language, timezone, attributes';

/** The columns of an account that merge tags read. */
type RenderableRow = Pick<AccountsTable, 'uuid' | 'first_name' | 'last_name' | 'email' | 'phone' | 'language' | 'timezone' | 'attributes'>;

export async function accountsForRender(exec: SqlExec, ids: readonly number[]): Promise<Map<number, RenderAccount>> {
  const unique = [...new Set(ids)];
  const [where, param] = inIds(exec, 'id', unique);
  const rows = await exec.all<RenderableRow & { id: number }>(`SELECT id, ${RENDER_COLUMNS} FROM accounts WHERE ${where}`, [param]);
  return new Map(rows.map((r) => [Number(r.id), renderAccountOf(r)]));
}

/** What merge tags read of an account row. */
export function renderAccountOf(r: RenderableRow): RenderAccount {
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
