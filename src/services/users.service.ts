// The people who use Crier: created by an admin (API or command line) or by the setup link;
// changed, disabled or deleted by an admin. Every change is audited in its own transaction.
import { userLabel, type Actor } from '../domain/actor.js';
import { normaliseEmail } from '../domain/account-fields.js';
import { CrierError } from '../domain/errors.js';
import { isRole, type Role } from '../domain/roles.js';
import { accountThrottleKey } from '../domain/sign-in-throttle.js';
import { revokeUserApiTokens } from '../store/api-tokens.queries.js';
import { recordAudit } from '../store/audit.queries.js';
import { clearThrottle } from '../store/sign-in-throttle.queries.js';
import { deleteUserSessions } from '../store/sessions.queries.js';
import { isUniqueViolation, type Db, type Store } from '../store/store.js';
import {
  activeAdminIds,
  deleteUser,
  findUserByEmail,
  findUserById,
  insertUser,
  listUsers,
  updateUser,
  userHasHistory,
  type UserRow,
} from '../store/users.queries.js';
import type { Page } from './accounts.service.js';
import { checkPassword, type PasswordHasher } from './passwords.js';
import { generatePassword } from './secrets.js';

export interface UserView {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  disabled: boolean;
  lockedUntil: string | null;
  lastSignInAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  email: string;
  firstName: string;
  lastName: string;
  role: string;
  password?: string;
}

export interface UserChanges {
  email?: string;
  firstName?: string;
  lastName?: string;
  role?: string;
  password?: string;
  disabled?: boolean;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function toUserView(row: UserRow): UserView {
  return {
    id: Number(row.id),
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    role: isRole(row.role) ? row.role : 'viewer',
    disabled: row.disabled_at !== null,
    lockedUntil: iso(row.locked_until),
    lastSignInAt: iso(row.last_sign_in_at),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/** The actor a user acts as: the audit label and the role the guard checks. */
export function actorOf(row: UserRow): Actor {
  const label = userLabel({ firstName: row.first_name, lastName: row.last_name, email: row.email });
  return isRole(row.role) ? { userId: Number(row.id), label, role: row.role } : { userId: Number(row.id), label };
}

export interface UsersDeps {
  store: Store;
  hasher: PasswordHasher;
  now: () => number;
}

export class UsersService {
  constructor(private readonly deps: UsersDeps) {}

  async list(page: number, pageSize: number): Promise<Page<UserView>> {
    const { rows, total } = await listUsers(this.deps.store.db, page, pageSize);
    return { items: rows.map(toUserView), page, pageSize, total };
  }

  async get(id: number): Promise<UserView> {
    return toUserView(await this.mustFind(this.deps.store.db, id));
  }

  async findByEmail(email: string): Promise<UserRow> {
    const row = await findUserByEmail(this.deps.store.db, normaliseEmail(email) ?? email);
    if (!row) throw new CrierError('not_found', `No user with email ${email}`, { email });
    return row;
  }

  /** Creates a user; without a password one is generated and answered, for showing once. */
  async create(input: NewUser, actor: Actor): Promise<{ user: UserView; password?: string }> {
    const generated = input.password === undefined ? generatePassword() : undefined;
    const fields = validateNewUser({ ...input, password: input.password ?? generated });
    const passwordHash = await this.deps.hasher.hash(fields.password);
    const user = await this.deps.store.db.transaction().execute(async (trx) => {
      const row = await this.insert(trx, { ...fields, passwordHash });
      await recordAudit(
        trx,
        actor,
        {
          action: 'users.created',
          targetType: 'user',
          targetId: row.id,
          summary: `Created ${fields.role} ${userLabel(fields)}`,
          details: { role: fields.role },
        },
        this.deps.now(),
      );
      return row;
    });
    return generated === undefined ? { user: toUserView(user) } : { user: toUserView(user), password: generated };
  }

  /** Inserts a validated user inside the caller's transaction (shared with the setup link). */
  async insert(
    trx: Db,
    fields: { email: string; firstName: string; lastName: string; role: Role; passwordHash: string },
  ): Promise<UserRow> {
    if (await findUserByEmail(trx, fields.email)) {
      throw new CrierError('conflict', `A user with email ${fields.email} already exists`, { field: 'email' });
    }
    const now = this.deps.now();
    const id = await insertUser(trx, {
      email: fields.email,
      first_name: fields.firstName,
      last_name: fields.lastName,
      role: fields.role,
      password_hash: fields.passwordHash,
      created_at: now,
      updated_at: now,
    }).catch((err: unknown) => {
      // Two creations of one address at once: the unique index decides, the loser hears why.
      if (isUniqueViolation(err)) throw new CrierError('conflict', `A user with email ${fields.email} already exists`, { field: 'email' });
      throw err;
    });
    return this.mustFind(trx, id);
  }

  async update(id: number, changes: UserChanges, actor: Actor): Promise<UserView> {
    const fields = validateChanges(changes);
    const passwordHash = fields.password === undefined ? undefined : await this.deps.hasher.hash(fields.password);
    const { store, now } = this.deps;
    const row = await store.db.transaction().execute(async (trx) => {
      const before = await this.mustFind(trx, id);
      const demoted = fields.role !== undefined && fields.role !== 'admin';
      if (before.role === 'admin' && (demoted || fields.disabled === true)) await this.keepAnAdmin(trx, id);
      if (fields.email !== undefined && fields.email !== before.email && (await findUserByEmail(trx, fields.email))) {
        throw new CrierError('conflict', `A user with email ${fields.email} already exists`, { field: 'email' });
      }
      const at = now();
      const disabledAt = fields.disabled === undefined ? before.disabled_at : fields.disabled ? (before.disabled_at ?? at) : null;
      await updateUser(trx, id, {
        email: fields.email ?? before.email,
        first_name: fields.firstName ?? before.first_name,
        last_name: fields.lastName ?? before.last_name,
        role: fields.role ?? before.role,
        password_hash: passwordHash ?? before.password_hash,
        disabled_at: disabledAt,
        // A new password from an admin also lifts the wait: the owner may sign in with it now.
        ...(passwordHash === undefined ? {} : { failed_logins: 0, locked_until: null }),
        updated_at: at,
      });
      // A new password from an admin lifts the wait on wrong passwords for the account too.
      if (passwordHash !== undefined) await clearThrottle(trx, [accountThrottleKey(before.email)]);
      // Sessions end when the password changes or the user is disabled. Disabling also revokes
      // the user's API tokens: enabling them again must not revive a token that leaked meanwhile.
      const disabling = disabledAt !== null && before.disabled_at === null;
      if (passwordHash !== undefined || disabling) await deleteUserSessions(trx, id);
      const revoked = disabling ? await revokeUserApiTokens(trx, id, at) : 0;
      const after = await this.mustFind(trx, id);
      const changed = describeChanges(before, after, passwordHash !== undefined);
      if (revoked > 0) changed.push(tokensRevoked(revoked));
      await recordAudit(
        trx,
        actor,
        {
          action: 'users.updated',
          targetType: 'user',
          targetId: id,
          summary: `Updated ${userLabel(viewNames(after))}: ${changed.join(', ') || 'nothing changed'}`,
          details: { changed },
        },
        at,
      );
      return after;
    });
    return toUserView(row);
  }

  /** Deletes a user without history; a user with history is disabled instead, keeping the record. */
  async remove(id: number, actor: Actor): Promise<{ outcome: 'deleted' | 'disabled'; user: UserView }> {
    const { store, now } = this.deps;
    return store.db.transaction().execute(async (trx) => {
      const before = await this.mustFind(trx, id);
      if (before.role === 'admin') await this.keepAnAdmin(trx, id);
      const at = now();
      const label = userLabel(viewNames(before));
      if (await userHasHistory(trx, id)) {
        await updateUser(trx, id, { disabled_at: before.disabled_at ?? at, updated_at: at });
        await deleteUserSessions(trx, id);
        const revoked = await revokeUserApiTokens(trx, id, at);
        const summary = `Disabled ${label} (kept: the user has history)${revoked > 0 ? `; ${tokensRevoked(revoked)}` : ''}`;
        await recordAudit(trx, actor, { action: 'users.disabled', targetType: 'user', targetId: id, summary }, at);
        return { outcome: 'disabled' as const, user: toUserView(await this.mustFind(trx, id)) };
      }
      await deleteUser(trx, id);
      await recordAudit(trx, actor, { action: 'users.deleted', targetType: 'user', targetId: id, summary: `Deleted ${label}` }, at);
      return { outcome: 'deleted' as const, user: toUserView(before) };
    });
  }

  /** Refuses a change that would leave no admin able to sign in. */
  private async keepAnAdmin(trx: Db, losing: number): Promise<void> {
    const admins = await activeAdminIds(trx, this.deps.store.dialect);
    if (admins.every((id) => id === losing)) {
      throw new CrierError('last_admin', 'This is the last admin: make another user admin first', { userId: losing });
    }
  }

  private async mustFind(db: Db, id: number): Promise<UserRow> {
    const row = await findUserById(db, id);
    if (!row) throw new CrierError('not_found', `No user with id ${id}`, { id });
    return row;
  }
}

const tokensRevoked = (n: number) => `${n} API token${n === 1 ? '' : 's'} revoked`;

const viewNames = (row: UserRow) => ({ firstName: row.first_name, lastName: row.last_name, email: row.email });

function describeChanges(before: UserRow, after: UserRow, passwordChanged: boolean): string[] {
  const changed: string[] = [];
  if (before.email !== after.email) changed.push(`email ${before.email} → ${after.email}`);
  if (before.first_name !== after.first_name || before.last_name !== after.last_name) changed.push('name');
  if (before.role !== after.role) changed.push(`role ${before.role} → ${after.role}`);
  if (passwordChanged) changed.push('password');
  if ((before.disabled_at === null) !== (after.disabled_at === null)) changed.push(after.disabled_at === null ? 'enabled' : 'disabled');
  return changed;
}

function problem(field: string, message: string): CrierError {
  return new CrierError('validation_failed', `${field} ${message}`, [{ field, problem: message }]);
}

function validEmail(raw: string): string {
  const email = normaliseEmail(raw);
  if (!email) throw problem('email', 'is not a valid email address');
  return email;
}

function validName(field: string, raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > 100) throw problem(field, 'must be 1 to 100 characters');
  return name;
}

function validRole(raw: string): Role {
  if (!isRole(raw)) throw problem('role', 'must be admin, sender or viewer');
  return raw;
}

export function validateNewUser(input: NewUser): { email: string; firstName: string; lastName: string; role: Role; password: string } {
  const password = input.password ?? '';
  checkPassword(password);
  return {
    email: validEmail(input.email),
    firstName: validName('firstName', input.firstName),
    lastName: validName('lastName', input.lastName),
    role: validRole(input.role),
    password,
  };
}

function validateChanges(changes: UserChanges): Omit<UserChanges, 'role'> & { role?: Role } {
  if (changes.password !== undefined) checkPassword(changes.password);
  return {
    ...changes,
    email: changes.email === undefined ? undefined : validEmail(changes.email),
    firstName: changes.firstName === undefined ? undefined : validName('firstName', changes.firstName),
    lastName: changes.lastName === undefined ? undefined : validName('lastName', changes.lastName),
    role: changes.role === undefined ? undefined : validRole(changes.role),
  };
}
