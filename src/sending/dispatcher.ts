// The sender: inside `crier serve` and alone as `crier worker`. Per channel it claims due
// messages in batches under a lease, hands them over outside any transaction, and records the
// outcomes with the counters; it also expands newly sent communications into messages and
// returns expired leases. All state is in the database: a process may die at any line and
// another (or the same, restarted) carries on where it stopped.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ContentRenderer } from '../content/render.js';
import { chooseLanguage } from '../domain/audience.js';
import type { Channel, Provider } from '../providers/provider.js';
import type { Providers } from '../providers/registry.js';
import { accountsForRender } from '../store/engine/accounts.sql.js';
import {
  claimBatch,
  completeFinished,
  reapExpiredLeases,
  recordOutcomes,
  recordProgressSample,
  type ClaimedMessage,
} from '../store/engine/dispatch.queries.js';
import { expandChunk, pendingExpansions } from '../store/engine/launch.queries.js';
import type { SqlExec } from '../store/engine/sql-exec.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ContentCache } from './content-cache.js';
import { handOver } from './hand-over.js';
import { RateLimiter } from './rate-limiter.js';
import type { UnsubscribeLinks } from './unsubscribe.js';

export interface DispatcherDeps {
  exec: SqlExec;
  config: Config;
  providers: Providers;
  renderer: ContentRenderer;
  unsubscribe: UnsubscribeLinks;
  logger: Logger;
  now?: () => number;
  /** Called after outcomes are recorded (metrics). */
  onRecorded?: (channel: Channel, counts: { sent: number; failed: number; retried: number }) => void;
  /** Periodic jobs that run beside sending (delivery reports, sweeps); each run must be idempotent. */
  tasks?: PeriodicTask[];
}

export interface PeriodicTask {
  name: string;
  everyMs: number;
  run(now: number): Promise<void>;
}

/** How often the progress of a communication is sampled for its send rate. */
const PROGRESS_SAMPLE_MS = 5_000;

const IDLE_POLL_MS = 250;
const REAP_EVERY_MS = 5_000;

/**
 * Messages one claim takes: enough to fill one round of concurrent requests, at most 1,000, and
 * no more than the rate limit lets out in a quarter of the lease — claimed messages wait for
 * their tokens under the lease, and a lease that ran out while they waited would let another
 * worker send them too.
 */
export function claimSizeFor(maxBatchSize: number, concurrency: number, perSecond: number, leaseMs: number): number {
  const byRate = Number.isFinite(perSecond) ? Math.floor((perSecond * leaseMs) / 4000) : Infinity;
  return Math.max(1, Math.min(1000, maxBatchSize * concurrency, byRate));
}

export class Dispatcher {
  readonly workerId = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loops: Promise<void>[] = [];
  private readonly breakers: Record<Channel, CircuitBreaker>;
  private readonly contents: ContentCache;
  private readonly limiter: RateLimiter;
  private wakeUp: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly sampledAt = new Map<number, number>();
  private readonly now: () => number;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
    const breaker = deps.config.sending.breaker;
    this.breakers = { email: new CircuitBreaker(breaker), sms: new CircuitBreaker(breaker) };
    this.contents = new ContentCache(deps.exec, deps.renderer);
    this.limiter = new RateLimiter(deps.exec, this.now);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const channels = new Set<Channel>(['email', 'sms']);
    for (const channel of channels) this.loops.push(this.dispatchLoop(channel));
    this.loops.push(this.expansionLoop());
    this.every(REAP_EVERY_MS, 'lease reaper', () => this.reap());
    for (const task of this.deps.tasks ?? []) this.every(task.everyMs, task.name, () => task.run(this.now()));
    this.deps.logger.info({ worker: this.workerId }, 'sender started');
  }

  /** Work may be waiting (Send was pressed): stop idling now. */
  wake(): void {
    const waiting = this.wakeUp;
    this.wakeUp = [];
    for (const resolve of waiting) resolve();
  }

  /** Stops claiming, lets batches in flight finish and record their outcomes. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.wake();
    await Promise.all(this.loops);
    await Promise.all(this.inFlight);
    this.deps.logger.info({ worker: this.workerId }, 'sender stopped');
  }

  /** Runs `work` every `ms`, never two runs of it at once. */
  private every(ms: number, name: string, work: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(async () => {
      if (busy || !this.running) return;
      busy = true;
      try {
        await work();
      } catch (err) {
        this.deps.logger.error({ err, task: name }, 'periodic task failed; it runs again');
      } finally {
        busy = false;
      }
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp.push(done);
    });
  }

  private limits(channel: Channel, provider: Provider) {
    const { sending } = this.deps.config;
    const perSecond = sending.rateLimit[channel] || provider.limits.messagesPerSecond;
    const concurrency = sending.concurrency[channel] ?? provider.limits.maxConcurrentRequests;
    const claimSize = claimSizeFor(provider.limits.maxBatchSize, concurrency, perSecond, sending.leaseMs);
    return { perSecond, concurrency, claimSize };
  }

  private async dispatchLoop(channel: Channel): Promise<void> {
    const provider = this.deps.providers[channel];
    const breaker = this.breakers[channel];
    const { perSecond, concurrency, claimSize } = this.limits(channel, provider);
    const maxInFlight = this.deps.config.sending.batchesInFlight;
    const mine = new Set<Promise<void>>();
    while (this.running) {
      try {
        if (mine.size >= maxInFlight) {
          await Promise.race(mine);
          continue;
        }
        const allowance = breaker.allowance(claimSize, this.now());
        if (allowance === 0) {
          await this.idle(Math.max(100, breaker.waitMs(this.now())));
          continue;
        }
        const now = this.now();
        const claimed = await claimBatch(this.deps.exec, channel, this.workerId, allowance, now, this.deps.config.sending.leaseMs);
        if (claimed.length === 0) {
          await (mine.size > 0 ? Promise.race([...mine, this.idle(IDLE_POLL_MS)]) : this.idle(IDLE_POLL_MS));
          continue;
        }
        await this.limiter.acquire(provider.name, claimed.length, perSecond);
        const work = this.process(channel, provider, breaker, claimed, concurrency).finally(() => {
          mine.delete(work);
          this.inFlight.delete(work);
        });
        mine.add(work);
        this.inFlight.add(work);
      } catch (err) {
        this.deps.logger.error({ err, channel }, 'dispatch loop error; retrying');
        await this.idle(1000);
      }
    }
    await Promise.all(mine);
  }

  private async process(channel: Channel, provider: Provider, breaker: CircuitBreaker, claimed: ClaimedMessage[], concurrency: number): Promise<void> {
    const { config, exec, logger } = this.deps;
    try {
      const accounts = await accountsForRender(exec, claimed.map((m) => Number(m.account_id)));
      const result = await handOver(
        {
          renderer: this.deps.renderer,
          contents: this.contents,
          unsubscribe: this.deps.unsubscribe,
          retry: config.sending.retry,
          from: config.settings.CRIER_EMAIL_FROM,
          replyTo: config.settings.CRIER_EMAIL_REPLY_TO,
          concurrency,
        },
        provider,
        claimed,
        accounts,
        this.now,
      );
      if (result.anyAccepted) {
        if (breaker.succeeded()) logger.info({ channel, provider: provider.name }, 'provider answers again: sending resumes');
      } else if (result.requestFailure && breaker.failed(result.requestFailure, this.now())) {
        const reason = breaker.reason(provider.name);
        logger.warn({ channel, provider: provider.name, reason }, 'provider fails every attempt: holding its messages');
        await exec.run(`UPDATE communications SET wait_reason = ? WHERE status = 'in_progress'`, [reason]);
      }
      const finished = await recordOutcomes(exec, this.workerId, provider.name, result.outcomes, this.now());
      for (const id of finished) {
        this.contents.forget(id);
        this.sampledAt.delete(id);
      }
      await this.sampleProgress(new Set(claimed.map((m) => Number(m.communication_id))));
      const counts = { sent: 0, failed: 0, retried: 0 };
      for (const o of result.outcomes) counts[o.kind === 'sent' ? 'sent' : o.kind === 'failed' ? 'failed' : 'retried']++;
      this.deps.onRecorded?.(channel, counts);
    } catch (err) {
      // The lease will expire and the messages go back to the queue: at least once, never lost.
      logger.error({ err, channel, messages: claimed.length }, 'batch failed before its outcomes were recorded');
    }
  }

  private async expansionLoop(): Promise<void> {
    const { exec, config, logger } = this.deps;
    while (this.running) {
      try {
        const pending = await pendingExpansions(exec);
        for (const id of pending) {
          if (!this.running) break;
          const { content } = await this.contents.get(id);
          const channels = {
            defaultLanguage: content.defaultLanguage,
            email: content.email ? Object.keys(content.email) : null,
            sms: content.sms ? Object.keys(content.sms) : null,
          };
          for (;;) {
            const chunk = await expandChunk(exec, id, channels, chooseLanguage, config.sending.expansionChunk, this.now());
            if (chunk.done) break;
            this.wake();
            // Let requests in between: a million recipients must not stall the API.
            await new Promise((resolve) => setImmediate(resolve));
            if (!this.running) break;
          }
          await exec.transaction((tx) => completeFinished(tx, [id], this.now()));
        }
        await this.idle(pending.length > 0 ? 0 : 1000);
      } catch (err) {
        logger.error({ err }, 'expansion error; retrying');
        await this.idle(1000);
      }
    }
  }

  private async reap(): Promise<void> {
    const returned = await reapExpiredLeases(this.deps.exec, this.now());
    if (returned > 0) {
      this.deps.logger.warn({ returned }, 'expired leases returned to the queue');
      this.wake();
    }
  }

  /** Samples sent counts now and then; the API reads the send rate over the last minute from them. */
  private async sampleProgress(communicationIds: Iterable<number>): Promise<void> {
    const now = this.now();
    for (const id of communicationIds) {
      if (now - (this.sampledAt.get(id) ?? 0) < PROGRESS_SAMPLE_MS) continue;
      this.sampledAt.set(id, now);
      await recordProgressSample(this.deps.exec, id, now);
    }
  }
}
