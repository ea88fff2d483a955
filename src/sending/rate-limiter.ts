// A provider's rate limit, held across every worker: a token bucket kept in the database. A
// claim takes as many tokens as it has messages and may run the bucket into debt; the next claim
// waits until the debt is repaid, so the long-run rate is exactly the limit.
import type { SqlExec } from '../store/engine/sql-exec.js';

export class RateLimiter {
  constructor(
    private readonly exec: SqlExec,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Waits until `count` messages may go to `provider` at `perSecond`; Infinity means no limit. */
  async acquire(provider: string, count: number, perSecond: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isFinite(perSecond) || count <= 0) return;
    for (;;) {
      const waitMs = await this.exec.transaction(async (tx) => {
        const now = this.now();
        const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
        const [row] = await tx.all<{ tokens: number; refilled_at: number }>(
          `SELECT tokens, refilled_at FROM provider_buckets WHERE provider = ?${lock}`,
          [provider],
        );
        // A full bucket holds one second of sending.
        const tokens = row ? Math.min(perSecond, Number(row.tokens) + ((now - Number(row.refilled_at)) / 1000) * perSecond) : perSecond;
        if (tokens > 0) {
          await this.save(tx, provider, tokens - count, now, row !== undefined);
          return 0;
        }
        await this.save(tx, provider, tokens, now, row !== undefined);
        return Math.ceil((-tokens / perSecond) * 1000) + 1;
      });
      if (waitMs === 0 || signal?.aborted) return;
      await this.sleep(waitMs);
    }
  }

  private async save(tx: SqlExec, provider: string, tokens: number, now: number, exists: boolean): Promise<void> {
    if (exists) await tx.run(`UPDATE provider_buckets SET tokens = ?, refilled_at = ? WHERE provider = ?`, [tokens, now, provider]);
    else
      await tx.run(`INSERT INTO provider_buckets (provider, tokens, refilled_at) VALUES (?, ?, ?) ON CONFLICT (provider) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at`, [
        provider,
        tokens,
        now,
      ]);
  }
}
