// Server-side sessions. The primary key is the SHA-256 of the cookie's random id: the cookie
// value itself is never stored.
import type { Insertable, Selectable } from 'kysely';
import type { SessionsTable } from './schema.js';
import type { Db } from './store.js';
import type { UserRow } from './users.queries.js';

export type SessionRow = Selectable<SessionsTable>;

export async function insertSession(db: Db, values: Insertable<SessionsTable>): Promise<void> {
  await db.insertInto('sessions').values(values).execute();
}

export async function findSessionWithUser(
  db: Db,
  idHash: string,
): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select([
      'sessions.id as session_id',
      'sessions.csrf_token as session_csrf_token',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at as session_last_seen_at',
      'sessions.expires_at as session_expires_at',
    ])
    .where('sessions.id', '=', idHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const { session_id, session_csrf_token, session_created_at, session_last_seen_at, session_expires_at, ...user } = row;
  return {
    session: {
      id: session_id,
      user_id: user.id,
      csrf_token: session_csrf_token,
      created_at: session_created_at,
      last_seen_at: session_last_seen_at,
      expires_at: session_expires_at,
    },
    user,
  };
}

export async function touchSession(db: Db, idHash: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', idHash).execute();
}

/** Deletes one session; answers whether it existed. */
export async function deleteSession(db: Db, idHash: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', idHash).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function deleteUserSessions(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/**
 * Sessions past their absolute expiry, or idle since `idleSince`, are gone for good. The table
 * holds one row per signed-in browser, so this sweep (run at each sign-in) stays cheap.
 */
export async function deleteExpiredSessions(db: Db, now: number, idleSince: number): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleSince)]))
    .execute();
}
