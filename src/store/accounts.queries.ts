// Reading the accounts directory: search and lookup. Imports write through account-import.queries.
import { sql, type SelectQueryBuilder } from 'kysely';
import type { AccountsTable, Database } from './schema.js';
import type { Db, Dialect } from './store.js';
import { escapeLike } from './like.js';

export type AccountRow = Omit<AccountsTable, 'id'> & { id: number };
/** An account as lists show it: without its attributes, which only its own page carries. */
export type AccountListRow = Omit<AccountRow, 'attributes'>;

/** Every column but the attributes (a page of 200 accounts with wide attributes was 124 MB). */
const LIST_COLUMNS = [
  'id',
  'uuid',
  'first_name',
  'last_name',
  'email',
  'phone',
  'language',
  'timezone',
  'email_consent',
  'sms_consent',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof AccountListRow)[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PHONE_LIKE = /^\+?[\d\s().-]{4,}$/;

export interface AccountSearch {
  q?: string;
  page: number;
  pageSize: number;
}

export async function searchAccounts(
  db: Db,
  dialect: Dialect,
  search: AccountSearch,
): Promise<{ rows: AccountListRow[]; total: number }> {
  const filtered = applySearch(db.selectFrom('accounts'), dialect, search.q?.trim() ?? '');
  const [rows, total] = await Promise.all([
    filtered
      .select(LIST_COLUMNS)
      .orderBy('last_name')
      .orderBy('first_name')
      .orderBy('id')
      .limit(search.pageSize)
      .offset((search.page - 1) * search.pageSize)
      .execute(),
    filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}

/**
 * A UUID is looked up exactly, an email by prefix, a phone by its digits; anything else matches
 * first or last name (case-insensitive, anywhere in the name).
 */
function applySearch<O>(
  query: SelectQueryBuilder<Database, 'accounts', O>,
  dialect: Dialect,
  q: string,
): SelectQueryBuilder<Database, 'accounts', O> {
  if (q === '') return query;
  if (UUID.test(q)) return query.where('uuid', '=', q.toLowerCase());
  // SQLite's LIKE ignores ASCII case already; PostgreSQL needs ILIKE.
  const like = (column: 'first_name' | 'last_name' | 'email' | 'phone', pattern: string) =>
    sql<boolean>`${sql.ref(column)} ${sql.raw(dialect === 'postgres' ? 'ilike' : 'like')} ${pattern} escape '\\'`;
  if (q.includes('@')) return query.where(like('email', `${escapeLike(q.toLowerCase())}%`));
  if (PHONE_LIKE.test(q)) return query.where(like('phone', `%${q.replace(/\D/g, '')}%`));
  const pattern = `%${escapeLike(q)}%`;
  return query.where((eb) => eb.or([like('first_name', pattern), like('last_name', pattern), like('email', pattern)]));
}

export async function findAccountByUuid(db: Db, uuid: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('uuid', '=', uuid.toLowerCase()).executeTakeFirst();
}
