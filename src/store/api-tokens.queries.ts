// API tokens: only the SHA-256 of each token is stored; the token is shown once, at creation.
import type { Selectable } from 'kysely';
import type { ApiTokensTable } from './schema.js';
import type { Db } from './store.js';
import type { UserRow } from './users.queries.js';

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type ApiTokenListRow = ApiTokenRow & { user_email: string; user_first_name: string; user_last_name: string };

export async function insertApiToken(
  db: Db,
  values: { user_id: number; name: string; token_hash: string; created_at: number },
): Promise<number> {
  const { id } = await db.insertInto('api_tokens').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(id);
}

export async function findApiToken(db: Db, id: number): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The live token with this hash and its user; revoked tokens are not found. */
export async function findLiveTokenWithUser(
  db: Db,
  tokenHash: string,
): Promise<{ token: ApiTokenRow; user: UserRow } | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('users')
    .select([
      'api_tokens.id as token_id',
      'api_tokens.name as token_name',
      'api_tokens.token_hash as token_hash',
      'api_tokens.created_at as token_created_at',
      'api_tokens.last_used_at as token_last_used_at',
    ])
    .where('api_tokens.token_hash', '=', tokenHash)
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { token_id, token_name, token_hash, token_created_at, token_last_used_at, ...user } = row;
  return {
    token: {
      id: token_id,
      user_id: user.id,
      name: token_name,
      token_hash,
      created_at: token_created_at,
      last_used_at: token_last_used_at,
      revoked_at: null,
    },
    user,
  };
}

/**
 * Records use at most once per `every` ms: the condition makes the write a no-op for a token
 * used moments ago, so busy scripts do not turn every request into a write.
 */
export async function markApiTokenUsed(db: Db, id: number, now: number, every: number): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - every)]))
    .execute();
}

/** Tokens of one user, or of everyone when `userId` is null; newest first. */
export async function listApiTokens(db: Db, userId: number | null): Promise<ApiTokenListRow[]> {
  let query = db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('api_tokens')
    .select(['users.email as user_email', 'users.first_name as user_first_name', 'users.last_name as user_last_name'])
    .orderBy('api_tokens.id', 'desc');
  if (userId !== null) query = query.where('api_tokens.user_id', '=', userId);
  return query.execute();
}

/** Revokes a live token; answers whether this call revoked it. */
export async function revokeApiToken(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every live token of a user; answers how many this call revoked. */
export async function revokeUserApiTokens(db: Db, userId: number, now: number): Promise<number> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
