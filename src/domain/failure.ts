// How a hand-over can fail, as the engine must act on it (DESIGN.md §6). Providers map their own
// answers onto these; the retry policy (message.ts) and the circuit breaker decide from them.

/**
 * `transient` and `rate_limited` are retried (after `retryAfterMs` when the provider said),
 * `unavailable` (bad credentials, provider down) pauses the provider rather than spending
 * attempts, `permanent` fails the message at once.
 */
export type FailureKind = 'transient' | 'rate_limited' | 'unavailable' | 'permanent';

export interface ProviderFailure {
  kind: FailureKind;
  /** Stable, short: `http_429`, `invalid_recipient`, `timeout`, … */
  code: string;
  message: string;
  retryAfterMs?: number;
}
