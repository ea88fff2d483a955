// The sandbox's outbox as the API shows it: each message with the report the sandbox planned
// for it and whether that report has gone in yet.
import { redactUnsubscribeLinks } from '../sending/unsubscribe.js';
import { listSandboxMessages, type SandboxFilter, type SandboxMessageRow } from '../store/sandbox.queries.js';
import type { Store } from '../store/store.js';
import type { Page } from './accounts.service.js';

export interface SandboxMessageView {
  id: number;
  providerMessageId: string;
  /** Crier's message id, or `test-…` for a test send. */
  crierId: string;
  channel: string;
  to: string;
  subject: string | null;
  body: string;
  html: string | null;
  headers: Record<string, string>;
  createdAt: string;
  report: {
    /** What the sandbox reports: delivered, bounced (a hard bounce) or failed. */
    outcome: string | null;
    reason: string | null;
    state: 'scheduled' | 'reported' | 'none';
    dueAt: string | null;
    reportedAt: string | null;
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function toView(row: SandboxMessageRow): SandboxMessageView {
  return {
    id: Number(row.id),
    providerMessageId: row.provider_message_id,
    crierId: row.crier_id,
    channel: row.channel,
    to: row.to_address,
    subject: row.subject,
    body: row.body,
    html: row.html,
    headers: JSON.parse(row.headers) as Record<string, string>,
    createdAt: iso(row.created_at)!,
    report: {
      outcome: row.report_kind,
      reason: row.report_reason,
      state: row.reported_at !== null ? 'reported' : row.report_due_at !== null ? 'scheduled' : 'none',
      dueAt: iso(row.report_due_at),
      reportedAt: iso(row.reported_at),
    },
  };
}

/** The message as someone may see it who must not unsubscribe its recipient: links without their signatures. */
function withoutLinks(view: SandboxMessageView): SandboxMessageView {
  return {
    ...view,
    body: redactUnsubscribeLinks(view.body),
    html: view.html === null ? null : redactUnsubscribeLinks(view.html),
    headers: Object.fromEntries(Object.entries(view.headers).map(([name, value]) => [name, redactUnsubscribeLinks(value)])),
  };
}

export class SandboxService {
  constructor(private readonly deps: { store: Store }) {}

  /**
   * `redactLinks` for callers who may read but not change anything (viewers): a message's signed
   * unsubscribe link would let them suppress its recipient.
   */
  async list(filter: SandboxFilter, options: { redactLinks: boolean }): Promise<Page<SandboxMessageView>> {
    const to = filter.to?.trim();
    // Crier keeps email addresses in lower case; phone numbers are E.164 and have no case.
    const normalised = to ? { ...filter, to: to.toLowerCase() } : { ...filter, to: undefined };
    const { rows, total } = await listSandboxMessages(this.deps.store.db, normalised);
    const items = rows.map(toView);
    return { items: options.redactLinks ? items.map(withoutLinks) : items, page: filter.page, pageSize: filter.pageSize, total };
  }
}
