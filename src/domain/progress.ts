// Live progress of a communication In Progress (DESIGN.md §4): sent out of all messages, the send
// rate over the last minute and the time left at that rate.

export interface SendProgress {
  sent: number;
  total: number;
  /** Messages handed to providers per second over the last minute. */
  ratePerSecond: number;
  /** Seconds until every pending message is handed over at that rate; null while the rate is 0. */
  etaSeconds: number | null;
  /** Why sending is paused (e.g. a provider failing every attempt), or null. */
  waitReason: string | null;
}

export interface ProgressCounters {
  sent: number;
  total: number;
  sendFailed: number;
  cancelled: number;
  waitReason: string | null;
}

/** A sample of the sent counter, as the dispatcher records them every few seconds. */
export interface ProgressSample {
  at: number;
  sent: number;
}

/** How far back the rate looks. */
export const RATE_WINDOW_MS = 60_000;
/** A shorter span than this says more about batch timing than about the rate: it reads as 0. */
const MIN_SPAN_MS = 1_000;

/**
 * `oldest` is the oldest sample of the last minute (null when none: nothing was recorded for a
 * minute, so nothing was sent). The rate runs from it to the live counter now, so a send that
 * stalls shows its rate falling instead of the last good figure.
 */
export function sendProgress(counters: ProgressCounters, oldest: ProgressSample | null, now: number): SendProgress {
  const span = oldest === null ? 0 : now - oldest.at;
  const rate = oldest !== null && span >= MIN_SPAN_MS ? Math.max(0, (counters.sent - oldest.sent) / (span / 1000)) : 0;
  const pending = Math.max(0, counters.total - counters.sent - counters.sendFailed - counters.cancelled);
  return {
    sent: counters.sent,
    total: counters.total,
    ratePerSecond: Math.round(rate * 100) / 100,
    etaSeconds: rate > 0 ? Math.ceil(pending / rate) : null,
    waitReason: counters.waitReason,
  };
}
