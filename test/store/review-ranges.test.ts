// The review reads a large communication's recipients in ranges on SQLite: what it counts over
// many ranges must be what one statement over all of them counts.
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { audienceGroups, recipientRanges, recipientsMissingAttributes, unreachableSample } from '../../src/store/review.queries.js';
import { uuidFor } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';
import { readyDraft } from '../harness/sending.js';

describeEachDialect('review ranges', (ctx) => {
  let app: App;
  let id: number;
  beforeAll(async () => {
    app = await createApp(loadConfig({ env: { DATABASE_URL: ctx.url() } }), { logger: pino({ level: 'silent' }) });
    // 20 reachable accounts, then some without email, some without any address, spread through the file.
    const extra: string[] = [];
    for (let i = 0; i < 9; i++) extra.push(i % 3 === 0 ? `${uuidFor(90_000 + i)},Nobody${i},,` : `${uuidFor(90_000 + i)},SmsOnly${i},,+1514555${String(1000 + i)}`);
    id = await readyDraft(app, 20, { csvRows: extra });
  });
  afterAll(async () => app?.close());

  it('counts the same in ranges of 4 recipients as in one statement', async () => {
    const db = app.store.db;
    const ranges = await recipientRanges(db, ctx.dialect, id, 4);
    const whole = [sql`1 = 1`];
    if (ctx.dialect === 'sqlite') expect(ranges).toHaveLength(8);
    const byKey = (groups: Awaited<ReturnType<typeof audienceGroups>>) =>
      groups.map((g) => JSON.stringify(g)).sort();
    const inRanges = await audienceGroups(db, id, ranges);
    expect(byKey(inRanges)).toEqual(byKey(await audienceGroups(db, id, whole)));
    expect(inRanges.reduce((n, g) => n + g.count, 0)).toBe(29);
    const channels = { email: true, sms: false };
    const sample = await unreachableSample(db, id, ranges, channels, 5);
    expect(sample).toEqual(await unreachableSample(db, id, whole, channels, 5));
    expect(sample.map((s) => s.line)).toEqual([...sample.map((s) => s.line)].sort((a, b) => a - b));
    expect(sample).toHaveLength(5);
    expect(await recipientsMissingAttributes(db, ctx.dialect, id, ranges, ['plan'])).toEqual(new Map([['plan', 29]]));
  });
});
