// A provider's rate limit, held across every worker by a token bucket kept in the database
// (RateLimitStore): a claim takes as many tokens as it has messages and may run the bucket into
// debt; the next claim waits until the debt is repaid, so the long-run rate is exactly the limit.
import type { RateLimitStore } from './sending-store.js';

export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Waits until `count` messages may go to `provider` at `perSecond`; Infinity means no limit. */
  async acquire(provider: string, count: number, perSecond: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isFinite(perSecond) || count <= 0) return;
    for (;;) {
      const waitMs = await this.store.take(provider, count, perSecond, this.now());
      if (waitMs === 0 || signal?.aborted) return;
      await this.sleep(waitMs);
    }
  }
}
