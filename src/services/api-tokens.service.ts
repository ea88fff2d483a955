// API tokens for scripts and the command line: `crier_` and 32 random bytes, shown once, kept as
// a SHA-256 hash, revocable. A token acts as its user, with the user's current role.
import { userLabel, type Actor } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import {
  findApiToken,
  findLiveTokenWithUser,
  insertApiToken,
  listApiTokens,
  markApiTokenUsed,
  revokeApiToken,
  type ApiTokenListRow,
} from '../store/api-tokens.queries.js';
import { recordAudit } from '../store/audit.queries.js';
import type { Store } from '../store/store.js';
import { findUserById } from '../store/users.queries.js';
import { API_TOKEN_PREFIX, randomSecret, sha256Hex } from './secrets.js';
import { actorOf } from './users.service.js';

export interface ApiTokenView {
  id: number;
  name: string;
  user: { id: number; email: string; firstName: string; lastName: string };
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const TOKEN_SHAPE = /^crier_[A-Za-z0-9_-]{43}$/;
/** How stale `last_used_at` may get: one write a minute per token at most. */
const LAST_USED_EVERY_MS = 60_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function toView(row: ApiTokenListRow): ApiTokenView {
  return {
    id: Number(row.id),
    name: row.name,
    user: { id: Number(row.user_id), email: row.user_email, firstName: row.user_first_name, lastName: row.user_last_name },
    createdAt: iso(row.created_at)!,
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

export class ApiTokensService {
  constructor(private readonly deps: { store: Store; now: () => number }) {}

  /** Creates a token for `userId`; the answer's `token` is the only time it is shown. */
  async create(userId: number, name: string, actor: Actor): Promise<ApiTokenView & { token: string }> {
    const label = name.trim();
    if (label.length === 0 || label.length > 100) {
      throw new CrierError('validation_failed', 'name must be 1 to 100 characters', [{ field: 'name', problem: 'must be 1 to 100 characters' }]);
    }
    const token = API_TOKEN_PREFIX + randomSecret();
    const { store, now } = this.deps;
    const at = now();
    const id = await store.db.transaction().execute(async (trx) => {
      const user = await findUserById(trx, userId);
      if (!user) throw new CrierError('not_found', `No user with id ${userId}`, { userId });
      if (user.disabled_at !== null) throw new CrierError('conflict', `${user.email} is disabled: enable the user first`, { userId });
      const tokenId = await insertApiToken(trx, { user_id: userId, name: label, token_hash: sha256Hex(token), created_at: at });
      const owner = userLabel({ firstName: user.first_name, lastName: user.last_name, email: user.email });
      await recordAudit(
        trx,
        actor,
        { action: 'tokens.created', targetType: 'api_token', targetId: tokenId, summary: `Created API token "${label}" for ${owner}`, details: { userId, name: label } },
        at,
      );
      return tokenId;
    });
    const [view] = (await listApiTokens(store.db, userId)).filter((r) => Number(r.id) === id).map(toView);
    return { ...view!, token };
  }

  /** The tokens of one user, or everyone's when `userId` is null (admins); newest first. */
  async list(userId: number | null): Promise<ApiTokenView[]> {
    return (await listApiTokens(this.deps.store.db, userId)).map(toView);
  }

  /**
   * Revokes a token. Someone other than an admin may revoke only their own; another user's
   * token answers not_found, so ids reveal nothing.
   */
  async revoke(id: number, actor: Actor): Promise<void> {
    const { store, now } = this.deps;
    const at = now();
    await store.db.transaction().execute(async (trx) => {
      const token = await findApiToken(trx, id);
      if (!token || (actor.role !== 'admin' && Number(token.user_id) !== actor.userId)) {
        throw new CrierError('not_found', `No API token with id ${id}`, { id });
      }
      if (!(await revokeApiToken(trx, id, at))) return;
      await recordAudit(
        trx,
        actor,
        { action: 'tokens.revoked', targetType: 'api_token', targetId: id, summary: `Revoked API token "${token.name}"`, details: { userId: Number(token.user_id) } },
        at,
      );
    });
  }

  /** The actor a bearer token stands for, or null when it is unknown, revoked or its user disabled. */
  async authenticate(token: string): Promise<Actor | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const { store, now } = this.deps;
    const found = await findLiveTokenWithUser(store.db, sha256Hex(token));
    if (!found || found.user.disabled_at !== null) return null;
    const at = now();
    const last = found.token.last_used_at;
    if (last === null || at - Number(last) >= LAST_USED_EVERY_MS) await markApiTokenUsed(store.db, Number(found.token.id), at, LAST_USED_EVERY_MS);
    return actorOf(found.user);
  }
}
