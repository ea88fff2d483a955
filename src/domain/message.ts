// A message's two states (DESIGN.md §2) and the retry policy: which failures are retried, after
// how long, and when retries are exhausted.
import type { FailureKind } from './failure.js';

export type SendState = 'queued' | 'handing_over' | 'sent' | 'send_failed' | 'cancelled';
export type DeliveryState = 'in_progress' | 'delivered' | 'failed' | 'no_report';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 10 * 60_000 };

export type NextStep =
  | { action: 'fail'; code: string; message: string }
  | { action: 'retry'; delayMs: number; spendsAttempt: boolean };

/**
 * What to do after a failed hand-over. Exponential backoff with full jitter (so retries of a
 * large batch spread out rather than return together), never sooner than the provider's
 * Retry-After. `unavailable` (bad credentials, provider down) waits without spending attempts:
 * the circuit breaker holds the whole provider until a probe succeeds.
 */
export function nextStep(
  failure: { kind: FailureKind; code: string; message: string; retryAfterMs?: number },
  attemptsMade: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): NextStep {
  switch (failure.kind) {
    case 'permanent':
      return { action: 'fail', code: failure.code, message: failure.message };
    case 'unavailable':
      return { action: 'retry', delayMs: Math.max(failure.retryAfterMs ?? 0, policy.baseDelayMs), spendsAttempt: false };
    case 'transient':
    case 'rate_limited': {
      if (attemptsMade >= policy.maxAttempts) {
        return {
          action: 'fail',
          code: 'retries_exhausted',
          message: `gave up after ${attemptsMade} attempts; last error: ${failure.message}`,
        };
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptsMade - 1));
      const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
      return { action: 'retry', delayMs: Math.max(jittered, failure.retryAfterMs ?? 0), spendsAttempt: true };
    }
  }
}
