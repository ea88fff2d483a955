// Signing in and out, and recognising a session cookie. Sessions live in the database (only a
// hash of the cookie's id), expire when idle and at an absolute limit, and each carries the
// CSRF token that cookie-authenticated changes must echo. Wrong passwords are throttled per
// account and per address (src/domain/sign-in-throttle.ts), never locked.
import type { Logger } from 'pino';
import type { Actor } from '../domain/actor.js';
import { normaliseEmail } from '../domain/account-fields.js';
import { CrierError } from '../domain/errors.js';
import { delayAfter, THROTTLE_MEMORY_MS, throttleKeys, waitText, type ThrottleLimits } from '../domain/sign-in-throttle.js';
import { recordAudit } from '../store/audit.queries.js';
import { deleteExpiredSessions, deleteSession, findSessionWithUser, insertSession, touchSession } from '../store/sessions.queries.js';
import { clearThrottle, lockThrottle, setThrottle, sweepThrottle } from '../store/sign-in-throttle.queries.js';
import type { Db, Store } from '../store/store.js';
import { findUserByEmail, recordFailedSignIn, recordSignIn } from '../store/users.queries.js';
import { dummyHash, type PasswordHasher } from './passwords.js';
import { randomSecret, sha256Hex } from './secrets.js';
import { actorOf, toUserView, type UserView } from './users.service.js';

export interface SessionSettings {
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** Wrong passwords in a row before attempts wait; the longest wait per address and per account. */
  maxFailedSignIns: number;
  addressMaxDelayMs: number;
  accountMaxDelayMs: number;
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

/** One answer for every failed sign-in, so it reveals neither which emails exist nor which are disabled. */
const INVALID = () => new CrierError('invalid_credentials', 'The email or password is wrong');

/** What the throttle made of an attempt before the password was checked. */
type Claim = { refusedForMs: number } | { accountFailures: number; accountWaitUntil: number | null };

export class SessionsService {
  private readonly dummy: () => Promise<string>;

  constructor(private readonly deps: SessionsDeps) {
    this.dummy = dummyHash(deps.hasher);
  }

  async signIn(email: string, password: string, from: string): Promise<SignedIn> {
    const { store, hasher, now, settings, logger } = this.deps;
    const address = normaliseEmail(email);
    const keys = throttleKeys(address ?? email, from);
    const at = now();
    // The attempt is counted as a failure before the password is checked, so attempts made at
    // once cannot all slip in before the first of them is counted; a success clears the count.
    const claim = await store.db.transaction().execute((trx) => this.claimAttempt(trx, keys, at));
    if ('refusedForMs' in claim) {
      logger.warn({ from, waitMs: claim.refusedForMs }, 'sign-in refused: wrong passwords in a row, the attempt must wait');
      const seconds = Math.ceil(claim.refusedForMs / 1000);
      throw new CrierError('rate_limited', `Too many wrong passwords: try again in ${waitText(claim.refusedForMs)}`, {
        retryAfterSeconds: seconds,
      });
    }
    const user = address ? await findUserByEmail(store.db, address) : undefined;
    const usable = user && user.password_hash !== null && user.disabled_at === null ? user : undefined;
    // Always one argon2 verification, against a dummy hash when there is no usable user.
    const matches = await hasher.verify(usable?.password_hash ?? (await this.dummy()), password);
    if (!usable) throw INVALID();
    if (!matches) {
      const { accountFailures, accountWaitUntil } = claim;
      await store.db.transaction().execute(async (trx) => {
        await recordFailedSignIn(trx, usable.id, accountFailures, accountWaitUntil, at);
        if (accountFailures !== settings.maxFailedSignIns) return;
        const anonymous: Actor = { userId: null, label: `sign-in from ${from}` };
        await recordAudit(
          trx,
          anonymous,
          {
            action: 'users.throttled',
            targetType: 'user',
            targetId: usable.id,
            summary: `Sign-ins to ${usable.email} slowed after ${accountFailures} wrong passwords in a row (the last from ${from})`,
            details: { failures: accountFailures, from },
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
      await clearThrottle(trx, [keys.account, keys.address]);
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
    // Housekeeping: a sweep that meets a lock or fails must not fail the sign-in that ran it.
    await sweepThrottle(store.db, at - THROTTLE_MEMORY_MS, at).catch((err: unknown) => logger.warn({ err }, 'sign-in throttle sweep failed'));
    return { sessionId, csrfToken, user: toUserView({ ...usable, last_sign_in_at: at, failed_logins: 0, locked_until: null }), expiresAt };
  }

  /**
   * Refuses the attempt while the account or the address must wait; otherwise counts it as a
   * wrong password under both keys and sets the wait the next attempt will meet. Keys are locked
   * in one order (account:… before address:…), so two attempts never deadlock.
   */
  private async claimAttempt(trx: Db, keys: { account: string; address: string }, at: number): Promise<Claim> {
    const { settings } = this.deps;
    const limits: Record<'account' | 'address', ThrottleLimits> = {
      account: { freeFailures: settings.maxFailedSignIns, maxDelayMs: settings.accountMaxDelayMs },
      address: { freeFailures: settings.maxFailedSignIns, maxDelayMs: settings.addressMaxDelayMs },
    };
    const account = await lockThrottle(trx, keys.account, at);
    const address = await lockThrottle(trx, keys.address, at);
    const waitMs = Math.max(account.blocked_until, address.blocked_until) - at;
    if (waitMs > 0) {
      // A refused attempt counts for nothing: the row its lock created at zero goes again.
      await clearThrottle(trx, [account, address].filter((row) => row.failures === 0).map((row) => row.key));
      return { refusedForMs: waitMs };
    }
    const counted = { account: 0, address: 0 };
    for (const [kind, row] of [['account', account], ['address', address]] as const) {
      // A count untouched for a day is forgotten, as if swept.
      counted[kind] = (at - row.updated_at > THROTTLE_MEMORY_MS ? 0 : row.failures) + 1;
      const delay = delayAfter(counted[kind], limits[kind]);
      await setThrottle(trx, row.key, counted[kind], delay > 0 ? at + delay : 0, at);
    }
    const accountDelay = delayAfter(counted.account, limits.account);
    return { accountFailures: counted.account, accountWaitUntil: accountDelay > 0 ? at + accountDelay : null };
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
