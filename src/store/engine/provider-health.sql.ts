// The circuit breakers' state as the senders report it (migration 0012): one row per sender and
// channel, written by the sender (its breaker opened or closed, it started, or it is still
// alive) and read by the API's provider status. One statement each; the table holds a few rows
// per running sender, and rows of senders gone for a day are swept by the next report.
import type { ProviderHealthReport } from '../../sending/sending-store.js';
import type { SqlExec } from './sql-exec.js';

/** Rows not refreshed for this long belong to senders that are gone: swept. */
const FORGET_AFTER_MS = 24 * 3_600_000;

export async function reportProviderHealth(exec: SqlExec, report: ProviderHealthReport, now: number): Promise<void> {
  await exec.run(
    `INSERT INTO provider_health (worker, channel, provider, state, reason, since, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (worker, channel) DO UPDATE SET provider = excluded.provider, state = excluded.state, reason = excluded.reason,
       since = excluded.since, reported_at = excluded.reported_at`,
    [report.worker, report.channel, report.provider, report.state, report.reason, report.since, now],
  );
  await exec.run(`DELETE FROM provider_health WHERE reported_at < ?`, [now - FORGET_AFTER_MS]);
}

export interface ProviderHealthRow {
  worker: string;
  state: 'closed' | 'open';
  reason: string | null;
  since: number;
  reportedAt: number;
}

/** Every sender's last report on `provider` for `channel`, the newest first. */
export async function providerHealthRows(exec: SqlExec, provider: string, channel: string): Promise<ProviderHealthRow[]> {
  const rows = await exec.all<{ worker: string; state: 'closed' | 'open'; reason: string | null; since: number; reported_at: number }>(
    `SELECT worker, state, reason, since, reported_at FROM provider_health WHERE provider = ? AND channel = ? ORDER BY reported_at DESC`,
    [provider, channel],
  );
  return rows.map((r) => ({ worker: r.worker, state: r.state, reason: r.reason, since: Number(r.since), reportedAt: Number(r.reported_at) }));
}
