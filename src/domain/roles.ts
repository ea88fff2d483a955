// Roles and the access a route asks for. Pure: the HTTP guard and the services ask the same
// question here, so "who may do what" (DESIGN.md §8) has one answer.

export const ROLES = ['viewer', 'sender', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route requires: nobody ('public') or the least role that may call it. */
export type Access = 'public' | Role;
export const ACCESS_LEVELS: readonly Access[] = ['public', ...ROLES];

const RANK: Record<Access, number> = { public: 0, viewer: 1, sender: 2, admin: 3 };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether someone with `role` (null: not signed in) may reach something that requires `access`. */
export function roleAllows(role: Role | null, access: Access): boolean {
  if (access === 'public') return true;
  return role !== null && RANK[role] >= RANK[access];
}
