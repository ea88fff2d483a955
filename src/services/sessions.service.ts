// Signing in and out, and recognising a session cookie. Sessions live in the database (only a
// hash of the cookie's id), expire when idle and at an absolute limit, and each carries the
// CSRF token that cookie-authenticated changes must echo.
import type { Logger } from 'pino';
import type { Actor } from '../domain/actor.js';
import { normaliseEmail } from '../domain/account-fields.js';
import { CrierError } from '../domain/errors.js';
import { recordAudit } from '../store/audit.queries.js';
import { deleteExpiredSessions, deleteSession, findSessionWithUser, insertSession, touchSession } from '../store/sessions.queries.js';
import type { Store } from '../store/store.js';
import { countFailedSignIn, findUserByEmail, lockUser, recordSignIn } from '../store/users.queries.js';
import { dummyHash, type PasswordHasher } from './passwords.js';
import { randomSecret, sha256Hex } from './secrets.js';
import { actorOf, toUserView, type UserView } from './users.service.js';

export interface SessionSettings {
  sessionIdleMs: number;
  sessionMaxMs: number;
  maxFailedSignIns: number;
  lockoutMs: number;
}

export interface SessionsDeps {
  store: Store;
  hasher: PasswordHasher;
  now: () => number;
  settings: SessionSettings;
  logger: Logger;
}

export interface SignedIn {
  /** The cookie value: shown to the browser only, stored as its hash. */
  sessionId: string;
  csrfToken: string;
  user: UserView;
  expiresAt: number;
}

export interface ActiveSession {
  actor: Actor;
  user: UserView;
  csrfToken: string;
}

/** One answer for every failed sign-in, so it reveals neither which emails exist nor which are locked. */
const INVALID = () => new CrierError('invalid_credentials', 'The email or password is wrong, or the account is locked for a while');

export class SessionsService {
  private readonly dummy: () => Promise<string>;

  constructor(private readonly deps: SessionsDeps) {
    this.dummy = dummyHash(deps.hasher);
  }

  async signIn(email: string, password: string, from: string): Promise<SignedIn> {
    const { store, hasher, now, settings, logger } = this.deps;
    const address = normaliseEmail(email);
    const user = address ? await findUserByEmail(store.db, address) : undefined;
    const usable = user && user.password_hash !== null && user.disabled_at === null ? user : undefined;
    // Always one argon2 verification, against a dummy hash when there is no usable user.
    const matches = await hasher.verify(usable?.password_hash ?? (await this.dummy()), password);
    if (!usable) throw INVALID();
    const at = now();
    if (usable.locked_until !== null && usable.locked_until > at) {
      logger.warn({ userId: usable.id, from }, 'sign-in refused: account locked');
      throw INVALID();
    }
    const anonymous: Actor = { userId: null, label: `sign-in from ${from}` };
    if (!matches) {
      await store.db.transaction().execute(async (trx) => {
        const failures = await countFailedSignIn(trx, usable.id, at);
        if (failures < settings.maxFailedSignIns) return;
        const until = at + settings.lockoutMs;
        await lockUser(trx, usable.id, until, at);
        await recordAudit(
          trx,
          anonymous,
          {
            action: 'users.locked',
            targetType: 'user',
            targetId: usable.id,
            summary: `Locked ${usable.email} for ${Math.round(settings.lockoutMs / 60_000)} min after ${failures} failed sign-ins`,
            details: { failures, until: new Date(until).toISOString(), from },
          },
          at,
        );
      });
      logger.warn({ userId: usable.id, from }, 'sign-in failed: wrong password');
      throw INVALID();
    }

    const sessionId = randomSecret();
    const csrfToken = randomSecret();
    const expiresAt = at + settings.sessionMaxMs;
    const actor = actorOf(usable);
    await store.db.transaction().execute(async (trx) => {
      await deleteExpiredSessions(trx, at, at - settings.sessionIdleMs);
      await recordSignIn(trx, usable.id, at);
      await insertSession(trx, {
        id: sha256Hex(sessionId),
        user_id: usable.id,
        csrf_token: csrfToken,
        created_at: at,
        last_seen_at: at,
        expires_at: expiresAt,
      });
      await recordAudit(
        trx,
        actor,
        { action: 'sessions.created', targetType: 'user', targetId: usable.id, summary: `Signed in from ${from}`, details: { from } },
        at,
      );
    });
    return { sessionId, csrfToken, user: toUserView({ ...usable, last_sign_in_at: at, failed_logins: 0, locked_until: null }), expiresAt };
  }

  /** The session a cookie names, if it is still valid; an expired one is deleted on sight. */
  async authenticate(sessionId: string): Promise<ActiveSession | null> {
    const { store, now, settings } = this.deps;
    const idHash = sha256Hex(sessionId);
    const found = await findSessionWithUser(store.db, idHash);
    if (!found) return null;
    const { session, user } = found;
    const at = now();
    if (session.expires_at <= at || session.last_seen_at + settings.sessionIdleMs <= at || user.disabled_at !== null) {
      await deleteSession(store.db, idHash);
      return null;
    }
    // Idle time is tracked to a tenth of the idle limit (at most a minute), not per request.
    if (at - session.last_seen_at >= Math.min(60_000, settings.sessionIdleMs / 10)) await touchSession(store.db, idHash, at);
    return { actor: actorOf(user), user: toUserView(user), csrfToken: session.csrf_token };
  }

  async signOut(sessionId: string, actor: Actor): Promise<void> {
    const { store, now } = this.deps;
    await store.db.transaction().execute(async (trx) => {
      if (!(await deleteSession(trx, sha256Hex(sessionId)))) return;
      await recordAudit(trx, actor, { action: 'sessions.ended', targetType: 'user', targetId: actor.userId, summary: 'Signed out' }, now());
    });
  }
}
