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
import { CircuitBreaker } from './circuit-breaker.js';
import { ContentCache } from './content-cache.js';
import { handOver } from './hand-over.js';
import { PeriodicTasks, type PeriodicTask } from './periodic-task.js';
import { RateLimiter } from './rate-limiter.js';
import type { ClaimedMessage, RecordedOutcome, SendingStore } from './sending-store.js';
import type { UnsubscribeLinks } from './unsubscribe.js';
import type { WorkSignal } from './work-signal.js';

export type { PeriodicTask } from './periodic-task.js';

export interface DispatcherDeps {
  store: SendingStore;
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
  /** Rung by Send and Cancel in this process: work is waiting, stop idling. */
  signal?: WorkSignal;
}

/** How often the progress of a communication is sampled for its send rate. */
const PROGRESS_SAMPLE_MS = 5_000;

const IDLE_POLL_MS = 250;
const REAP_EVERY_MS = 5_000;
/** How often a running sender refreshes its breakers' rows: the API reads a row not refreshed for a few of these as "unknown". */
export const HEALTH_REPORT_MS = 60_000;
/** How soon to look again at communications another worker was expanding. */
const EXPANDING_ELSEWHERE_MS = 100;
/** Queued messages of a cancelled communication stopped per transaction. */
const STOP_CHUNK = 5_000;

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
  private readonly periodic: PeriodicTasks;
  private wakeUp: (() => void)[] = [];
  private unlisten: (() => void) | null = null;
  private readonly sampledAt = new Map<number, number>();
  /** Since when each channel's breaker has been in its state (the provider status shows it). */
  private readonly healthSince: Record<Channel, number> = { email: 0, sms: 0 };
  private readonly now: () => number;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
    const breaker = deps.config.sending.breaker;
    this.breakers = { email: new CircuitBreaker(breaker), sms: new CircuitBreaker(breaker) };
    this.contents = new ContentCache(deps.store.dispatch, deps.renderer);
    this.limiter = new RateLimiter(deps.store.rateLimit, this.now);
    this.periodic = new PeriodicTasks(deps.logger, this.now);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unlisten = this.deps.signal?.listen(() => this.wake()) ?? null;
    const channels = new Set<Channel>(['email', 'sms']);
    for (const channel of channels) this.loops.push(this.dispatchLoop(channel));
    this.loops.push(this.launchLoop());
    this.periodic.every(REAP_EVERY_MS, 'lease reaper', () => this.reap());
    this.periodic.every(HEALTH_REPORT_MS, 'provider health', async () => {
      for (const channel of channels) await this.reportHealth(channel);
    });
    for (const task of this.deps.tasks ?? []) this.periodic.add(task);
    this.deps.logger.info({ worker: this.workerId }, 'sender started');
  }

  /** Work may be waiting (Send or Cancel was pressed): stop idling now. */
  wake(): void {
    const waiting = this.wakeUp;
    this.wakeUp = [];
    for (const resolve of waiting) resolve();
  }

  /**
   * Stops claiming, lets batches in flight finish and record their outcomes, and waits for the
   * periodic tasks in progress: after it the store may be closed.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unlisten?.();
    this.unlisten = null;
    this.wake();
    await Promise.all([this.periodic.stop(), ...this.loops]);
    await Promise.all(this.inFlight);
    this.deps.logger.info({ worker: this.workerId }, 'sender stopped');
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
    this.healthSince[channel] = this.now();
    await this.reportHealth(channel);
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
        const claimed = await this.deps.store.dispatch.claim(channel, this.workerId, allowance, now, this.deps.config.sending.leaseMs);
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
    const { config, store, logger } = this.deps;
    try {
      // Cancel may have committed while this claim did (PostgreSQL reads the statuses as of the
      // claim's start): re-read them now that it has committed. A message of a communication
      // cancelled by now was still queued when Cancel returned, and is never handed over.
      const stopped = await store.dispatch.notInProgress([...new Set(claimed.map((m) => Number(m.communication_id)))]);
      const go = stopped.size === 0 ? claimed : claimed.filter((m) => !stopped.has(Number(m.communication_id)));
      const halted: RecordedOutcome[] = claimed
        .filter((m) => stopped.has(Number(m.communication_id)))
        .map((m) => ({ id: Number(m.id), communicationId: Number(m.communication_id), kind: 'stopped' }));
      const accounts = await store.dispatch.accountsForRender(go.map((m) => Number(m.account_id)));
      const result = await handOver(
        {
          renderer: this.deps.renderer,
          contents: this.contents,
          unsubscribe: this.deps.unsubscribe,
          retry: config.sending.retry,
          from: config.settings.CRIER_EMAIL_FROM,
          replyTo: config.settings.CRIER_EMAIL_REPLY_TO,
          unsubscribeMailto: config.settings.CRIER_UNSUBSCRIBE_MAILTO,
          concurrency,
        },
        provider,
        go,
        accounts,
        this.now,
      );
      if (result.anyAccepted) {
        if (breaker.succeeded()) {
          logger.info({ channel, provider: provider.name }, 'provider answers again: sending resumes');
          this.healthSince[channel] = this.now();
          await this.reportHealth(channel);
        }
      } else if (result.requestFailure && breaker.failed(result.requestFailure, this.now())) {
        const reason = breaker.reason(provider.name);
        logger.warn({ channel, provider: provider.name, reason }, 'provider fails every attempt: holding its messages');
        await store.dispatch.setWaitReason(reason);
        this.healthSince[channel] = this.now();
        await this.reportHealth(channel);
      }
      const finished = await store.dispatch.record(this.workerId, provider.name, [...halted, ...result.outcomes], this.now());
      for (const id of finished) {
        this.contents.forget(id);
        this.sampledAt.delete(id);
      }
      await this.sampleProgress(new Set(go.map((m) => Number(m.communication_id))));
      const counts = { sent: 0, failed: 0, retried: 0 };
      for (const o of result.outcomes) counts[o.kind === 'sent' ? 'sent' : o.kind === 'failed' ? 'failed' : 'retried']++;
      this.deps.onRecorded?.(channel, counts);
    } catch (err) {
      // The lease will expire and the messages go back to the queue: at least once, never lost.
      logger.error({ err, channel, messages: claimed.length }, 'batch failed before its outcomes were recorded');
    }
  }

  /**
   * Cancelled communications first (their queued messages become cancelled, a chunk at a time),
   * then the expansion of newly sent ones into messages.
   */
  private async launchLoop(): Promise<void> {
    const { store, config, logger } = this.deps;
    while (this.running) {
      try {
        const stopping = await store.launch.stopping();
        for (const id of stopping) {
          while (this.running) {
            const chunk = await store.launch.stopQueued(id, STOP_CHUNK);
            if (chunk.done) break;
            await breathe();
          }
          this.contents.forget(id);
          this.sampledAt.delete(id);
        }
        const pending = await store.launch.pendingExpansions();
        for (const id of pending) {
          if (!this.running) break;
          const { content } = await this.contents.get(id);
          const channels = {
            defaultLanguage: content.defaultLanguage,
            email: content.email ? Object.keys(content.email) : null,
            sms: content.sms ? Object.keys(content.sms) : null,
          };
          let busy = false;
          for (;;) {
            const chunk = await store.launch.expandChunk(id, channels, chooseLanguage, config.sending.expansionChunk, this.now());
            busy = chunk.busy === true;
            if (chunk.done || busy) break;
            this.wake();
            // Let the dispatch loops in between: they send the first chunks while the rest expand.
            await breathe();
            if (!this.running) break;
          }
          if (!busy) await store.launch.completeIfFinished(id, this.now());
        }
        // Another worker expanding is no reason to poll at once; new work (or none) is.
        await this.idle(pending.length > 0 || stopping.length > 0 ? EXPANDING_ELSEWHERE_MS : 1000);
      } catch (err) {
        logger.error({ err }, 'expansion error; retrying');
        await this.idle(1000);
      }
    }
  }

  /** Writes this sender's breaker state for `channel` where the API reads it; a failure only logs. */
  private async reportHealth(channel: Channel): Promise<void> {
    const provider = this.deps.providers[channel];
    const breaker = this.breakers[channel];
    try {
      await this.deps.store.dispatch.setProviderHealth(
        { worker: this.workerId, provider: provider.name, channel, state: breaker.state, reason: breaker.reason(provider.name), since: this.healthSince[channel] },
        this.now(),
      );
    } catch (err) {
      this.deps.logger.warn({ err, channel }, 'could not record the provider health');
    }
  }

  private async reap(): Promise<void> {
    await this.deps.store.dispatch.completeSettled(this.now());
    const returned = await this.deps.store.dispatch.reapExpiredLeases(this.now());
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
      await this.deps.store.dispatch.sampleProgress(id, now);
    }
  }
}

const breathe = () => new Promise((resolve) => setImmediate(resolve));
