// The first admin: while no user exists, `crier serve` prints a one-time link (valid 24 h or
// until used); whoever holds it creates the first admin. There is never a default password.
import { userLabel } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import { recordAudit } from '../store/audit.queries.js';
import { findUsableSetupToken, insertSetupToken, lockSetupTokens, useAllSetupTokens } from '../store/setup-tokens.queries.js';
import type { Store } from '../store/store.js';
import { countUsers } from '../store/users.queries.js';
import type { PasswordHasher } from './passwords.js';
import { randomSecret, sha256Hex } from './secrets.js';
import { actorOf, toUserView, validateNewUser, type UserView, type UsersService } from './users.service.js';

export const SETUP_LINK_TTL_MS = 24 * 3_600_000;

export interface FirstAdmin {
  token: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
}

export class SetupService {
  constructor(
    private readonly deps: { store: Store; hasher: PasswordHasher; users: UsersService; now: () => number; publicUrl: string },
  ) {}

  /**
   * A fresh setup link when no user exists yet, else null. `baseUrl` is where the server really
   * answers when no public URL is configured (`crier serve` passes its listening address).
   */
  async openLinkIfNeeded(baseUrl?: string): Promise<{ url: string; expiresAt: number } | null> {
    const { store, now } = this.deps;
    const publicUrl = baseUrl ?? this.deps.publicUrl;
    if ((await countUsers(store.db)) > 0) return null;
    const token = randomSecret();
    const at = now();
    const expiresAt = at + SETUP_LINK_TTL_MS;
    await insertSetupToken(store.db, { token_hash: sha256Hex(token), created_at: at, expires_at: expiresAt });
    return { url: `${publicUrl.replace(/\/$/, '')}/setup?token=${token}`, expiresAt };
  }

  /** When the link may still be used; refuses like `complete` would. */
  async check(token: string): Promise<{ expiresAt: number }> {
    const { store, now } = this.deps;
    if ((await countUsers(store.db)) > 0) throw done();
    const found = await findUsableSetupToken(store.db, sha256Hex(token), now());
    if (!found) throw invalid();
    return { expiresAt: found.expires_at };
  }

  async complete(input: FirstAdmin): Promise<UserView> {
    const { store, hasher, users, now } = this.deps;
    const fields = validateNewUser({ ...input, role: 'admin' });
    const passwordHash = await hasher.hash(fields.password);
    const row = await store.db.transaction().execute(async (trx) => {
      await lockSetupTokens(trx, store.dialect);
      if ((await countUsers(trx)) > 0) throw done();
      const at = now();
      if (!(await findUsableSetupToken(trx, sha256Hex(input.token), at))) throw invalid();
      await useAllSetupTokens(trx, at);
      const admin = await users.insert(trx, { ...fields, role: 'admin', passwordHash });
      await recordAudit(
        trx,
        actorOf(admin),
        {
          action: 'users.created',
          targetType: 'user',
          targetId: admin.id,
          summary: `Created the first admin ${userLabel(fields)} with the setup link`,
          details: { role: 'admin', via: 'setup' },
        },
        at,
      );
      return admin;
    });
    return toUserView(row);
  }
}

const done = () => new CrierError('setup_done', 'Crier is set up already: sign in, or ask an admin for an account');
const invalid = () =>
  new CrierError('setup_token_invalid', 'This setup link is wrong, used or expired: restart `crier serve` for a new one');
