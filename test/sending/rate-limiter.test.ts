import { describe, expect, it } from 'vitest';
import { claimSizeFor } from '../../src/sending/dispatcher.js';
import { RateLimiter } from '../../src/sending/rate-limiter.js';
import { engineExec } from '../../src/store/engine/sql-exec.js';
import { sendingStore } from '../../src/store/engine/sending-store.js';
import { FakeClock } from '../harness/auth.js';
import { describeEachDialect } from '../harness/dialects.js';

describeEachDialect('rate limiter', (ctx) => {
  it('holds the long-run rate to the limit across callers sharing the database', async () => {
    const clock = new FakeClock();
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock.advance(ms);
    };
    const buckets = sendingStore(engineExec(ctx.store())).rateLimit;
    // Two limiters: two workers, one bucket in the database.
    const a = new RateLimiter(buckets, clock.now, sleep);
    const b = new RateLimiter(buckets, clock.now, sleep);
    const started = clock.now();
    for (let i = 0; i < 10; i++) await (i % 2 ? a : b).acquire('test-provider', 100, 200);
    // 1,000 messages at 200/s: a second's worth (200) goes at once, and each claim may run the
    // bucket into debt that the next claim waits out; so the last 100 leave at 3.5 s, owed.
    const elapsed = clock.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(3500);
    expect(elapsed).toBeLessThan(3600);
    expect(slept.length).toBeGreaterThanOrEqual(7);
  });

  it('does not wait when there is no limit', async () => {
    const clock = new FakeClock();
    let waited = 0;
    const limiter = new RateLimiter(sendingStore(engineExec(ctx.store())).rateLimit, clock.now, async (ms) => void (waited += ms));
    await limiter.acquire('unlimited', 1_000_000, Infinity);
    expect(waited).toBe(0);
  });
});

describe('claim size', () => {
  it('fills a round of requests, at most 1,000, and never more than a quarter-lease of tokens', () => {
    expect(claimSizeFor(1000, 4, Infinity, 60_000)).toBe(1000);
    expect(claimSizeFor(1, 64, Infinity, 60_000)).toBe(64);
    // 10 messages/s with a 60 s lease: 150 claimed wait at most 15 s for their tokens.
    expect(claimSizeFor(1000, 4, 10, 60_000)).toBe(150);
    expect(claimSizeFor(1000, 4, 0.01, 60_000)).toBe(1);
  });
});
