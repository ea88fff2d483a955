// The statuses of a communication and the only moves between them (DESIGN.md §2), the wizard's
// steps, and which row actions each status allows.

export const COMMUNICATION_STATUSES = ['draft', 'in_progress', 'completed', 'failed', 'cancelled'] as const;
export type CommunicationStatus = (typeof COMMUNICATION_STATUSES)[number];

export const WIZARD_STEPS = ['template', 'name', 'accounts', 'message', 'review'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

const MOVES: Record<CommunicationStatus, readonly CommunicationStatus[]> = {
  draft: ['in_progress'],
  in_progress: ['completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function canMove(from: CommunicationStatus, to: CommunicationStatus): boolean {
  return MOVES[from].includes(to);
}

/** The statuses a communication may be in for a move to `to`: the guard of its UPDATE. */
export function statusesBefore(to: CommunicationStatus): CommunicationStatus[] {
  return COMMUNICATION_STATUSES.filter((from) => canMove(from, to));
}

export const ROW_ACTIONS = ['view', 'edit', 'delete', 'cancel'] as const;
export type RowAction = (typeof ROW_ACTIONS)[number];

/** The list's row menu: View always; Edit and Delete for drafts; Cancel while In Progress. */
export function actionsFor(status: CommunicationStatus): RowAction[] {
  switch (status) {
    case 'draft':
      return ['view', 'edit', 'delete'];
    case 'in_progress':
      return ['view', 'cancel'];
    case 'completed':
    case 'failed':
    case 'cancelled':
      return ['view'];
  }
}

export function isCommunicationStatus(value: string): value is CommunicationStatus {
  return (COMMUNICATION_STATUSES as readonly string[]).includes(value);
}
