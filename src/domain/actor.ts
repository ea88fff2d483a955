// Who did something: a signed-in user, an API token's user, or the operator at the command line.
import type { Role } from './roles.js';

export interface Actor {
  userId: number | null;
  /** Shown in the audit log: "Ada Lovelace <ada@example.com>", "cli", "system". */
  label: string;
  /** The user's role when the actor is a user; absent for the command line and the system. */
  role?: Role;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system' };
export const CLI_ACTOR: Actor = { userId: null, label: 'cli' };

/** The audit label of a user, e.g. "Ada Lovelace <ada@example.com>". */
export function userLabel(user: { firstName: string; lastName: string; email: string }): string {
  return `${user.firstName} ${user.lastName} <${user.email}>`;
}
