// The sign-in throttle's counts: one row per key (`account:<email>`, `address:<ip>`). The rule
// (how long a count makes the next attempt wait) is src/domain/sign-in-throttle.ts.
import type { Selectable } from 'kysely';
import type { SignInThrottleTable } from './schema.js';
import type { Db } from './store.js';

export type ThrottleRow = Selectable<SignInThrottleTable>;

/**
 * The key's row, created at zero when new, and locked until the caller's transaction ends: on
 * PostgreSQL the upsert holds the row lock (a second attempt under the key waits for this one
 * to be counted), and SQLite runs one write transaction at a time.
 */
export async function lockThrottle(db: Db, key: string, now: number): Promise<ThrottleRow> {
  const row = await db
    .insertInto('sign_in_throttle')
    .values({ key, failures: 0, blocked_until: 0, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ key: eb.ref('excluded.key') })))
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key: row.key, failures: Number(row.failures), blocked_until: Number(row.blocked_until), updated_at: Number(row.updated_at) };
}

export async function setThrottle(db: Db, key: string, failures: number, blockedUntil: number, now: number): Promise<void> {
  await db.updateTable('sign_in_throttle').set({ failures, blocked_until: blockedUntil, updated_at: now }).where('key', '=', key).execute();
}

/**
 * Forgets the keys' counts, one statement a key in the order given: the order attempts lock them
 * in (account:… before address:…), so a sign-in and a concurrent attempt never deadlock.
 */
export async function clearThrottle(db: Db, keys: string[]): Promise<void> {
  for (const key of keys) await db.deleteFrom('sign_in_throttle').where('key', '=', key).execute();
}

/**
 * Counts untouched since `before` whose wait is over are forgotten, so the table stays small.
 * Run on its own after a sign-in, never inside a transaction holding other keys' locks.
 */
export async function sweepThrottle(db: Db, before: number, now: number): Promise<void> {
  await db.deleteFrom('sign_in_throttle').where('updated_at', '<', before).where('blocked_until', '<=', now).execute();
}
