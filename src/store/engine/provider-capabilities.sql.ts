// What providers may use of the database, each capability one narrow thing (provider.ts's
// ProviderCapabilities): the sandbox's outbox, webhook replay protection, and the messages still
// awaiting a report (for providers that can be asked, such as Mailgun's events API).
import type { AwaitingReport, DueSandboxReport, ProviderCapabilities, SandboxMessage, SandboxOutbox } from '../../providers/provider.js';
import type { DeliveryEvent } from '../../domain/delivery.js';
import type { SqlExec } from './sql-exec.js';

/** How long a worker has to report the sandbox plans it took before another may take them again. */
const TAKEN_FOR_MS = 30_000;

const SANDBOX_COLUMNS = [
  'provider_message_id',
  'crier_id',
  'channel',
  'to_address',
  'subject',
  'body',
  'html',
  'headers',
  'created_at',
  'report_kind',
  'report_reason',
  'report_due_at',
] as const;

export function sandboxOutbox(exec: SqlExec): SandboxOutbox {
  return {
    async insert(rows: readonly SandboxMessage[]) {
      if (rows.length === 0) return;
      await exec.db.insertInto('sandbox_messages').values(rows.map((r) => Object.fromEntries(SANDBOX_COLUMNS.map((c) => [c, r[c]])) as unknown as SandboxMessage)).execute();
    },
    /**
     * On PostgreSQL each plan is taken by pushing its due time back by TAKEN_FOR_MS, skipping those
     * another worker is taking: workers report disjoint plans (harmless otherwise, but each copy
     * locks the same messages). A worker that dies before marking them reported leaves them due
     * again after that delay. SQLite has one writer: the plans are read as they are.
     */
    async takeDue(now, limit) {
      if (exec.dialect === 'postgres') {
        return exec.all<DueSandboxReport>(
          `UPDATE sandbox_messages s SET report_due_at = ?
           FROM (SELECT id, report_due_at FROM sandbox_messages WHERE reported_at IS NULL AND report_due_at <= ?
                 ORDER BY report_due_at, id LIMIT ? FOR UPDATE SKIP LOCKED) due
           WHERE s.id = due.id
           RETURNING s.id, s.provider_message_id, s.channel, s.to_address, s.report_kind, s.report_reason, due.report_due_at`,
          [now + TAKEN_FOR_MS, now, limit],
        );
      }
      return exec.all<DueSandboxReport>(
        `SELECT id, provider_message_id, channel, to_address, report_kind, report_reason, report_due_at FROM sandbox_messages
         WHERE reported_at IS NULL AND report_due_at <= ? ORDER BY report_due_at, id LIMIT ?`,
        [now, limit],
      );
    },
    async markReported(ids, now) {
      if (exec.dialect === 'postgres') {
        await exec.run(`UPDATE sandbox_messages SET reported_at = ? WHERE id = ANY(?::bigint[]) AND reported_at IS NULL`, [now, ids]);
        return;
      }
      await exec.transaction(async (tx) => {
        for (const id of ids) await tx.run(`UPDATE sandbox_messages SET reported_at = ? WHERE id = ? AND reported_at IS NULL`, [now, id]);
      });
    },
  };
}

/** Remembers a token until it expires; a second use of it (a replayed webhook call) answers false. */
async function firstUse(exec: SqlExec, provider: string, token: string, expiresAt: number, now: number): Promise<boolean> {
  // Sweep the expired ones now and then (by their own index); a call in a thousand is plenty.
  if (Math.random() < 0.001) await exec.run(`DELETE FROM webhook_tokens WHERE expires_at < ?`, [now]);
  const inserted = await exec.all<{ token: string }>(
    `INSERT INTO webhook_tokens (provider, token, expires_at) VALUES (?, ?, ?) ON CONFLICT (provider, token) DO NOTHING RETURNING token`,
    [provider, token, expiresAt],
  );
  return inserted.length === 1;
}

/** Through the partial index of messages awaiting a report (sent_at), then by id. */
async function awaitingReport(
  exec: SqlExec,
  provider: string,
  range: { sentAfter: number; sentBefore: number; afterId: number; limit: number },
): Promise<AwaitingReport[]> {
  const rows = await exec.all<{ id: number; provider_message_id: string; address: string | null; sent_at: number }>(
    `SELECT id, provider_message_id, address, sent_at FROM messages
     WHERE delivery_state = 'in_progress' AND sent_at >= ? AND sent_at < ? AND provider = ? AND id > ? AND provider_message_id IS NOT NULL
     ORDER BY id LIMIT ?`,
    [range.sentAfter, range.sentBefore, provider, range.afterId, range.limit],
  );
  return rows.map((r) => ({ id: Number(r.id), providerMessageId: r.provider_message_id, address: r.address, sentAt: Number(r.sent_at) }));
}

export function providerCapabilities(exec: SqlExec, ingest: (events: DeliveryEvent[]) => Promise<unknown>): ProviderCapabilities {
  return {
    ingest,
    firstUse: (provider, token, expiresAt, now) => firstUse(exec, provider, token, expiresAt, now),
    forget: async (provider, token) => {
      await exec.run(`DELETE FROM webhook_tokens WHERE provider = ? AND token = ?`, [provider, token]);
    },
    awaitingReport: (provider, range) => awaitingReport(exec, provider, range),
    sandbox: sandboxOutbox(exec),
  };
}
