// Holds a provider back when every attempt fails (an outage, revoked credentials): its messages
// wait instead of spending their attempts, and one probe message at a time tests the water until
// one goes through. Per worker and in memory: each worker finds out for itself within seconds.
import type { ProviderFailure } from '../providers/provider.js';

export interface BreakerSettings {
  /** How long every attempt must have failed before the breaker opens. */
  openAfterMs: number;
  /** How often an open breaker lets one probe through. */
  probeEveryMs: number;
}

export type BreakerState = 'closed' | 'open';

export class CircuitBreaker {
  private failingSince: number | null = null;
  private lastFailure: ProviderFailure | null = null;
  private opened = false;
  private nextProbeAt = 0;

  constructor(private readonly settings: BreakerSettings) {}

  get state(): BreakerState {
    return this.opened ? 'open' : 'closed';
  }

  /** How many messages may be claimed now: all of `batch` when closed, 1 for a due probe, else 0. */
  allowance(batch: number, now: number): number {
    if (!this.opened) return batch;
    if (now < this.nextProbeAt) return 0;
    this.nextProbeAt = now + this.settings.probeEveryMs;
    return 1;
  }

  /** Milliseconds until the next probe when open; 0 when closed. */
  waitMs(now: number): number {
    return this.opened ? Math.max(0, this.nextProbeAt - now) : 0;
  }

  succeeded(): boolean {
    const wasOpen = this.opened;
    this.failingSince = null;
    this.lastFailure = null;
    this.opened = false;
    return wasOpen;
  }

  /** Records a request of which nothing went through; true when this opens the breaker. */
  failed(failure: ProviderFailure, now: number): boolean {
    this.lastFailure = failure;
    this.failingSince ??= now;
    if (this.opened || now - this.failingSince < this.settings.openAfterMs) return false;
    this.opened = true;
    this.nextProbeAt = now + this.settings.probeEveryMs;
    return true;
  }

  /** "provider answers 401 Unauthorized since 12:04:05Z", for the operator. */
  reason(provider: string): string | null {
    if (!this.opened || !this.lastFailure || this.failingSince === null) return null;
    const since = new Date(this.failingSince).toISOString().slice(11, 19);
    return `waiting: ${provider} answers ${this.lastFailure.message} since ${since} UTC; retrying by itself`;
  }
}
