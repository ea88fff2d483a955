// Who did something: a signed-in user, an API token's user, or the operator at the command line.
export interface Actor {
  userId: number | null;
  /** Shown in the audit log: "Ada Lovelace <ada@example.com>", "cli", "system". */
  label: string;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system' };
export const CLI_ACTOR: Actor = { userId: null, label: 'cli' };
