// Resend: a new draft with a communication's content, addressed to the accounts its failures
// name. One transaction; the recipients go in set-wise (INSERT … SELECT), so a resend to a
// hundred thousand accounts never brings them through the process.
import type { Actor } from '../domain/actor.js';
import { recordAudit } from './audit.queries.js';
import type { SqlExec } from './engine/sql-exec.js';
import { resendAccounts, type ResendScope } from './outcomes.queries.js';

export type ResendResult =
  | { kind: 'created'; id: number; recipients: number }
  | { kind: 'not_found' }
  | { kind: 'draft' }
  | { kind: 'nobody' };

const NAME_MAX = 200;
const SUFFIX = ' (resend)';

export async function createResendDraft(
  exec: SqlExec,
  sourceId: number,
  scope: ResendScope,
  actor: Actor,
  now: number,
): Promise<ResendResult> {
  return exec.transaction(async (tx) => {
    const [source] = await tx.all<{
      name: string;
      status: string;
      template_id: number | null;
      default_language: string;
      email: string | null;
      sms: string | null;
    }>(`SELECT name, status, template_id, default_language, email, sms FROM communications WHERE id = ?`, [sourceId]);
    if (!source) return { kind: 'not_found' };
    // A draft has no outcome yet: there is nothing to resend.
    if (source.status === 'draft') return { kind: 'draft' };
    // An empty draft would only clutter the list: say there is nobody to resend to instead.
    const accounts = resendAccounts(scope, sourceId);
    const [anyone] = await tx.all(`SELECT 1 AS found FROM (${accounts.sql}) x LIMIT 1`, accounts.params);
    if (!anyone) return { kind: 'nobody' };

    const name = `${source.name.slice(0, NAME_MAX - SUFFIX.length)}${SUFFIX}`;
    // Step "review": content and recipients are both there, so reopening lands on Review & Send.
    const [created] = await tx.all<{ id: number }>(
      `INSERT INTO communications (name, template_id, default_language, email, sms, step, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'review', ?, ?, ?) RETURNING id`,
      [name, source.template_id, source.default_language, source.email, source.sms, actor.userId, now, now],
    );
    const id = Number(created!.id);
    // Lines number the accounts as received-nothing.csv lists them (by account), as if that file
    // had been uploaded.
    const recipients = await tx.run(
      `INSERT INTO recipients (communication_id, account_id, line)
       SELECT ?, x.account_id, ROW_NUMBER() OVER (ORDER BY x.account_id) + 1 FROM (${accounts.sql}) x`,
      [id, ...accounts.params],
    );
    await tx.run(`UPDATE communications SET recipients_count = ? WHERE id = ?`, [recipients, id]);
    await recordAudit(
      tx.db,
      actor,
      {
        action: 'communication.resend_created',
        targetType: 'communication',
        targetId: id,
        summary: `Created draft "${name}" for ${recipients} accounts (${scope}) of communication ${sourceId}`,
        details: { sourceId, scope, recipients },
      },
      now,
    );
    return { kind: 'created', id, recipients };
  });
}
