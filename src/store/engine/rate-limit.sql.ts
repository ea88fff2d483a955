// A provider's token bucket, one row per provider, shared by every worker. A take may run the
// bucket into debt; the next one waits until the debt is repaid, so the long-run rate is exactly
// the limit. One short transaction that locks only the bucket's row.
import type { SqlExec } from './sql-exec.js';

/** Takes `count` tokens when the bucket holds any (answers 0), else answers how many ms to wait. */
export async function takeTokens(exec: SqlExec, provider: string, count: number, perSecond: number, now: number): Promise<number> {
  return exec.transaction(async (tx) => {
    const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await tx.all<{ tokens: number; refilled_at: number }>(`SELECT tokens, refilled_at FROM provider_buckets WHERE provider = ?${lock}`, [provider]);
    // A full bucket holds one second of sending.
    const tokens = row ? Math.min(perSecond, Number(row.tokens) + ((now - Number(row.refilled_at)) / 1000) * perSecond) : perSecond;
    const left = tokens > 0 ? tokens - count : tokens;
    if (row) await tx.run(`UPDATE provider_buckets SET tokens = ?, refilled_at = ? WHERE provider = ?`, [left, now, provider]);
    else
      await tx.run(
        `INSERT INTO provider_buckets (provider, tokens, refilled_at) VALUES (?, ?, ?)
         ON CONFLICT (provider) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at`,
        [provider, left, now],
      );
    return tokens > 0 ? 0 : Math.ceil((-tokens / perSecond) * 1000) + 1;
  });
}
