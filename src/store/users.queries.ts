// The users table: people who sign in to Crier (not the accounts they write to).
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { UsersTable } from './schema.js';
import type { Db, Dialect } from './store.js';

export type UserRow = Selectable<UsersTable>;

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** `email` must already be normalised (lower case): that is how it is stored. */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function countUsers(db: Db): Promise<number> {
  const { n } = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(n);
}

export async function listUsers(db: Db, page: number, pageSize: number): Promise<{ rows: UserRow[]; total: number }> {
  const [rows, total] = await Promise.all([
    db
      .selectFrom('users')
      .selectAll()
      .orderBy('last_name')
      .orderBy('first_name')
      .orderBy('id')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    countUsers(db),
  ]);
  return { rows, total };
}

export async function insertUser(db: Db, values: Insertable<UsersTable>): Promise<number> {
  const { id } = await db.insertInto('users').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(id);
}

export async function updateUser(db: Db, id: number, patch: Updateable<UsersTable>): Promise<void> {
  await db.updateTable('users').set(patch).where('id', '=', id).execute();
}

export async function deleteUser(db: Db, id: number): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

/**
 * Ids of the admins who can still sign in. Inside a transaction on PostgreSQL the rows are
 * locked, so two admins demoting each other at once cannot both succeed and leave none; SQLite
 * runs one write transaction at a time, which gives the same guarantee.
 */
export async function activeAdminIds(db: Db, dialect: Dialect): Promise<number[]> {
  const query = db.selectFrom('users').select('id').where('role', '=', 'admin').where('disabled_at', 'is', null);
  const rows = await (dialect === 'postgres' ? query.forUpdate() : query).execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Whether anything refers to the user: audit entries they made, templates or communications
 * they created, sent or cancelled. Such a user is disabled, not deleted, so the record keeps
 * its names.
 */
export async function userHasHistory(db: Db, id: number): Promise<boolean> {
  const found = await db
    .selectFrom('audit_log')
    .select('id')
    .where('actor_user_id', '=', id)
    .union(db.selectFrom('templates').select('id').where('created_by', '=', id))
    .union(
      db
        .selectFrom('communications')
        .select('id')
        .where((eb) => eb.or([eb('created_by', '=', id), eb('sent_by', '=', id), eb('cancelled_by', '=', id)])),
    )
    .limit(1)
    .execute();
  return found.length > 0;
}

/**
 * Mirrors the account's sign-in throttle on its user (`lockedUntil` in the users API): the wrong
 * passwords in a row, and until when the next attempt must wait (null: it need not).
 */
export async function recordFailedSignIn(db: Db, id: number, failures: number, waitUntil: number | null, now: number): Promise<void> {
  await db.updateTable('users').set({ failed_logins: failures, locked_until: waitUntil, updated_at: now }).where('id', '=', id).execute();
}

export async function recordSignIn(db: Db, id: number, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ failed_logins: 0, locked_until: null, last_sign_in_at: now })
    .where('id', '=', id)
    .execute();
}
