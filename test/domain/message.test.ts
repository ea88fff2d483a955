import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, nextStep } from '../../src/domain/message.js';

const policy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 5000 };
const transient = { kind: 'transient' as const, code: 'http_503', message: 'HTTP 503' };

describe('retry policy', () => {
  it('fails permanent errors at once', () => {
    expect(nextStep({ kind: 'permanent', code: 'http_400', message: 'bad address' }, 1, policy)).toEqual({ action: 'fail', code: 'http_400', message: 'bad address' });
  });

  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    const at = (attempt: number, r: number) => nextStep(transient, attempt, policy, () => r);
    expect(at(1, 0)).toEqual({ action: 'retry', delayMs: 500, spendsAttempt: true });
    expect(at(1, 1)).toEqual({ action: 'retry', delayMs: 1000, spendsAttempt: true });
    expect(at(3, 1)).toMatchObject({ delayMs: 4000 });
    expect(nextStep(transient, 3, { ...policy, maxAttempts: 10 }, () => 1)).toMatchObject({ delayMs: 4000 });
    expect(nextStep(transient, 5, { ...policy, maxAttempts: 10 }, () => 1)).toMatchObject({ delayMs: 5000 });
  });

  it('never retries sooner than Retry-After', () => {
    expect(nextStep({ kind: 'rate_limited', code: 'http_429', message: 'slow down', retryAfterMs: 30_000 }, 1, policy, () => 0)).toMatchObject({
      action: 'retry',
      delayMs: 30_000,
    });
  });

  it('gives up after the last attempt, saying why', () => {
    expect(nextStep(transient, 4, policy)).toEqual({ action: 'fail', code: 'retries_exhausted', message: 'gave up after 4 attempts; last error: HTTP 503' });
  });

  it('waits on an unavailable provider without spending an attempt, however many were made', () => {
    expect(nextStep({ kind: 'unavailable', code: 'http_401', message: '401 Unauthorized' }, 99, DEFAULT_RETRY)).toEqual({
      action: 'retry',
      delayMs: DEFAULT_RETRY.baseDelayMs,
      spendsAttempt: false,
    });
  });
});
