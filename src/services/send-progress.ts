// The progress part of a communication's view: counters from its row, the rate's starting point
// from the dispatcher's samples.
import { RATE_WINDOW_MS, sendProgress, type SendProgress } from '../domain/progress.js';
import type { CommunicationRow } from '../store/communications.queries.js';
import { oldestSampleSince } from '../store/outcomes.queries.js';
import type { Db } from '../store/store.js';

/** Live progress while In Progress; null in every other status. */
export async function readProgress(db: Db, row: CommunicationRow, now: number): Promise<SendProgress | null> {
  if (row.status !== 'in_progress') return null;
  const oldest = await oldestSampleSince(db, Number(row.id), now - RATE_WINDOW_MS);
  return sendProgress(
    {
      sent: Number(row.messages_sent),
      total: Number(row.messages_total),
      sendFailed: Number(row.messages_send_failed),
      cancelled: Number(row.messages_cancelled),
      waitReason: row.wait_reason,
    },
    oldest,
    now,
  );
}
