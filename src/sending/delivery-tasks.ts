// The periodic jobs of delivery reporting, run by every sender beside sending (see
// Dispatcher's `tasks`). Each run is idempotent and safe with any number of workers at once.
import type { Logger } from 'pino';
import { distinctProviders, type Providers } from '../providers/registry.js';
import type { PeriodicTask } from './periodic-task.js';
import type { DeliveryStore } from './sending-store.js';

const BATCH = 1_000;
/** Batches per run: a backlog (after a long outage) drains over several runs, never in one long burst. */
const MAX_BATCHES = 50;
/** How long an event without its message is retried: a hand-over is recorded well within a lease. */
export const MATCH_WINDOW_MS = 15 * 60_000;

const breathe = () => new Promise((resolve) => setImmediate(resolve));

/** Messages sent longer than `deliveryReportMs` ago without a final report → no report. */
export function noReportSweep(deps: { store: DeliveryStore; deliveryReportMs: number; logger?: Logger; everyMs?: number }): PeriodicTask {
  return {
    name: 'no-report sweep',
    everyMs: deps.everyMs ?? 60_000,
    async run(now) {
      let marked = 0;
      for (let i = 0; i < MAX_BATCHES; i++) {
        const n = await deps.store.markNoReport(now - deps.deliveryReportMs, BATCH, now);
        marked += n;
        if (n < BATCH) break;
        await breathe();
      }
      if (marked > 0) deps.logger?.info({ marked }, 'messages without a delivery report past the deadline: no report');
    },
  };
}

/** Applies events that arrived before the hand-over of their message was recorded. */
export function lateMatches(deps: { store: DeliveryStore; logger?: Logger; everyMs?: number }): PeriodicTask {
  return {
    name: 'late delivery events',
    everyMs: deps.everyMs ?? 5_000,
    async run(now) {
      for (let i = 0; i < MAX_BATCHES; i++) {
        const ids = await deps.store.matchableEventIds(now - MATCH_WINDOW_MS, BATCH);
        if (ids.length === 0) return;
        const applied = await deps.store.applyMatched(ids, now);
        deps.logger?.debug({ applied }, 'delivery events matched to their messages after the hand-over was recorded');
        if (ids.length < BATCH) return;
        await breathe();
      }
    },
  };
}

/** Every delivery task a sender runs: the sweeps, and each provider's own (the sandbox's reports, polling). */
export function deliveryTasks(deps: { store: DeliveryStore; deliveryReportMs: number; providers: Providers; logger?: Logger }): PeriodicTask[] {
  return [noReportSweep(deps), lateMatches(deps), ...distinctProviders(deps.providers).flatMap((p) => p.tasks?.() ?? [])];
}
