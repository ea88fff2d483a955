// Periodic jobs that run beside sending (delivery reports, sweeps), and the timer that runs them:
// never two runs of one task at once, errors logged and the task run again at its next turn, and
// a stop that waits for the runs in progress, so the store they use can be closed after it.
import type { Logger } from 'pino';
import type { PeriodicTask } from '../providers/provider.js';

/** Each run must be idempotent: any number of workers run the same tasks. */
export type { PeriodicTask } from '../providers/provider.js';

export class PeriodicTasks {
  private timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `work` every `ms`, never two runs of it at once. */
  every(ms: number, name: string, work: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      const run = work()
        .catch((err: unknown) => this.logger.error({ err, task: name }, 'periodic task failed; it runs again'))
        .finally(() => {
          busy = false;
          this.running.delete(run);
        });
      this.running.add(run);
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  add(task: PeriodicTask): void {
    this.every(task.everyMs, task.name, () => task.run(this.now()));
  }

  /** No new runs; resolves when the runs in progress have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await Promise.all([...this.running]);
  }
}
