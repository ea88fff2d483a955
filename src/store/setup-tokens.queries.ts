// One-time setup links for creating the first admin. Stored as hashes, like every other secret.
import type { Db, Dialect } from './store.js';

export async function insertSetupToken(db: Db, values: { token_hash: string; created_at: number; expires_at: number }): Promise<void> {
  await db.insertInto('setup_tokens').values(values).execute();
}

export async function findUsableSetupToken(db: Db, tokenHash: string, now: number): Promise<{ id: number; expires_at: number } | undefined> {
  const row = await db
    .selectFrom('setup_tokens')
    .select(['id', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row && { id: Number(row.id), expires_at: Number(row.expires_at) };
}

/**
 * Takes the lock that makes setups one at a time: on PostgreSQL the setup rows are locked for
 * the transaction, so a second setup racing the first waits and then sees the first admin;
 * SQLite runs one write transaction at a time already.
 */
export async function lockSetupTokens(db: Db, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await db.selectFrom('setup_tokens').select('id').forUpdate().execute();
}

/** Marks every link used: once the first admin exists, no link may create another. */
export async function useAllSetupTokens(db: Db, now: number): Promise<void> {
  await db.updateTable('setup_tokens').set({ used_at: now }).where('used_at', 'is', null).execute();
}
