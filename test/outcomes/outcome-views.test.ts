// Account delivery status and send failures over HTTP, on each dialect: keyset pages cover every
// row once and in order, filters keep exactly their rows, "received nothing" is per account, and
// the CSV downloads are complete and formula-safe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../harness/dialects.js';
import { defaultPlan, HOSTILE_FIRST_NAME, seedOutcome, type Seeded, type SeededMessage } from '../harness/outcomes.js';
import { startTestServer, type TestServer } from '../harness/server.js';

const SENT = new Set(['delivered', 'failed', 'in_progress', 'no_report']);

describeEachDialect('outcome views', (ctx) => {
  let t: TestServer;
  let seeded: Seeded;
  beforeAll(async () => {
    t = await startTestServer(ctx.url());
    seeded = await seedOutcome(t.app, defaultPlan(60, 100));
  });
  afterAll(async () => t?.close());

  const get = async (url: string) => {
    const res = await t.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : res.body, headers: res.headers };
  };

  /** Every page of a list, following nextCursor. */
  async function walk(url: string): Promise<{ id: number }[]> {
    const items: { id: number }[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const sep = url.includes('?') ? '&' : '?';
      const res = await get(`${url}${cursor === null ? '' : `${sep}cursor=${encodeURIComponent(cursor)}`}`);
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (cursor === null) return items;
    }
    throw new Error('no last page');
  }

  const messagesUrl = () => `/api/communications/${seeded.communicationId}/messages`;
  const sentIds = (keep: (m: SeededMessage) => boolean = () => true) =>
    seeded.messages.filter((m) => SENT.has(m.state) && keep(m)).map((m) => m.id);

  it('covers every sent message exactly once, in id order, page after page', async () => {
    const items = await walk(`${messagesUrl()}?limit=7`);
    expect(items.map((i) => i.id)).toEqual(sentIds());
    const first = (await get(`${messagesUrl()}?limit=2`)).body;
    const planned = seeded.messages.find((m) => m.id === first.items[0].id)!;
    expect(first.items[0]).toEqual({
      id: planned.id,
      accountId: planned.uuid,
      accountName: expect.any(String),
      type: planned.channel,
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: planned.state,
      error: planned.state === 'failed' ? '@SUM(1) mailbox unavailable' : null,
    });
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  describe('filters', () => {
    for (const type of ['email', 'sms'] as const) {
      for (const status of [undefined, 'delivered', 'failed', 'in_progress', 'no_report'] as const) {
        it(`type=${type}${status ? ` status=${status}` : ''}`, async () => {
          const query = `type=${type}${status ? `&status=${status}` : ''}&limit=5`;
          const items = await walk(`${messagesUrl()}?${query}`);
          expect(items.map((i) => i.id)).toEqual(sentIds((m) => m.channel === type && (status === undefined || m.state === status)));
        });
      }
    }

    it('status alone, and the provider reason only for failed deliveries', async () => {
      const failed = (await walk(`${messagesUrl()}?status=failed&limit=4`)) as unknown as { id: number; status: string; error: string | null }[];
      expect(failed.map((i) => i.id)).toEqual(sentIds((m) => m.state === 'failed'));
      expect(failed.every((i) => i.status === 'failed' && i.error === '@SUM(1) mailbox unavailable')).toBe(true);
      const delivered = (await get(`${messagesUrl()}?status=delivered`)).body.items as { error: string | null }[];
      expect(delivered.every((i) => i.error === null)).toBe(true);
    });

    it('refuses unknown values and foreign cursors with 400', async () => {
      expect((await get(`${messagesUrl()}?status=bounced`)).status).toBe(400);
      expect((await get(`${messagesUrl()}?type=fax`)).status).toBe(400);
      expect((await get(`${messagesUrl()}?cursor=not-a-cursor`)).body.error.code).toBe('bad_request');
      const failuresCursor = (await get(`/api/communications/${seeded.communicationId}/failures?limit=1`)).body.nextCursor;
      expect((await get(`${messagesUrl()}?cursor=${failuresCursor}`)).status).toBe(400);
      expect((await get(`${messagesUrl()}?page=2&cursor=${failuresCursor}`)).status).toBe(400);
      expect((await get('/api/communications/999999/messages')).status).toBe(404);
    });
  });

  it('pages by number too (page=), the same rows as the cursor pages', async () => {
    const all = sentIds();
    const page3 = (await get(`${messagesUrl()}?page=3&limit=6`)).body;
    expect(page3.page).toBe(3);
    expect(page3.items.map((i: { id: number }) => i.id)).toEqual(all.slice(12, 18));
    const next = (await get(`${messagesUrl()}?cursor=${page3.nextCursor}&limit=6`)).body;
    expect(next.items.map((i: { id: number }) => i.id)).toEqual(all.slice(18, 24));
    const beyond = (await get(`${messagesUrl()}?page=1000`)).body;
    expect(beyond).toEqual({ items: [], nextCursor: null, page: 1000 });
  });

  it('lists send failures by account, with the CSV line, marking accounts that received nothing', async () => {
    const items = (await walk(`/api/communications/${seeded.communicationId}/failures?limit=3`)) as unknown as {
      id: number;
      accountId: string;
      line: number;
      type: string;
      errorCode: string;
      error: string;
      receivedNothing: boolean;
    }[];
    const failed = seeded.messages.filter((m) => m.state === 'send_failed');
    expect(items.map((i) => i.id).sort((a, b) => a - b)).toEqual(failed.map((m) => m.id));
    for (const item of items) {
      const planned = failed.find((m) => m.id === item.id)!;
      expect(item).toMatchObject({
        accountId: planned.uuid,
        line: seeded.lines.get(planned.account),
        type: planned.channel,
        errorCode: 'rejected',
        error: `=HYPERLINK("x") ${planned.channel} rejected`,
        receivedNothing: seeded.receivedNothing(planned.account),
      });
    }
    // An account whose email failed but whose SMS was sent received something.
    const emailFailedSmsSent = seeded.messages.find(
      (m) => m.channel === 'email' && m.state === 'send_failed' && seeded.messages.some((s) => s.account === m.account && s.channel === 'sms' && s.state === 'delivered'),
    )!;
    expect(items.find((i) => i.id === emailFailedSmsSent.id)?.receivedNothing).toBe(false);
    expect(items.some((i) => i.receivedNothing)).toBe(true);
  });

  it('exports the deliveries as CSV: every row of the filter, header first, formulas defused', async () => {
    const res = await get(`/api/communications/${seeded.communicationId}/messages.csv?status=failed`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="communication-\d+-deliveries\.csv"/);
    const lines = String(res.body).replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('message_id,account_uuid,account_name,type,sent_at,status,error');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(sentIds((m) => m.state === 'failed'));
    expect(lines.slice(1).every((l) => l.endsWith(",failed,'@SUM(1) mailbox unavailable"))).toBe(true);
    const all = String((await get(`/api/communications/${seeded.communicationId}/messages.csv`)).body);
    expect(all.trimEnd().split('\r\n')).toHaveLength(sentIds().length + 1);
    expect(all).toContain(`,'${HOSTILE_FIRST_NAME} @cmd,`);
    expect(all).not.toMatch(/,=1\+1/);
  });

  it('exports the failures and the accounts that received nothing (a recipients CSV)', async () => {
    const failures = String((await get(`/api/communications/${seeded.communicationId}/failures.csv`)).body).replace(/^\uFEFF/, '');
    const rows = failures.trimEnd().split('\r\n');
    expect(rows[0]).toBe('message_id,account_uuid,account_name,line,type,error_code,error,received_nothing');
    expect(rows).toHaveLength(seeded.messages.filter((m) => m.state === 'send_failed').length + 1);
    expect(rows[1]).toMatch(/,rejected,"'=HYPERLINK\(""x""\) (email|sms) rejected",(yes|no)$/);

    const res = await get(`/api/communications/${seeded.communicationId}/failures/received-nothing.csv`);
    const uuids = String(res.body).replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(uuids[0]).toBe('account_uuid');
    const expected = [...new Set(seeded.messages.filter((m) => seeded.receivedNothing(m.account)).map((m) => m.uuid))];
    expect(uuids.slice(1).sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(1);
  });

  it('a Completed communication has no failures; an unknown one is 404', async () => {
    const completed = await seedOutcome(t.app, defaultPlan(6, 900).filter((m) => m.state !== 'send_failed'), { status: 'completed' });
    expect((await get(`/api/communications/${completed.communicationId}/failures`)).body).toEqual({ items: [], nextCursor: null });
    expect(String((await get(`/api/communications/${completed.communicationId}/failures/received-nothing.csv`)).body)).toBe('\uFEFFaccount_uuid\r\n');
    expect((await get('/api/communications/999999/failures.csv')).status).toBe(404);
    expect((await get('/api/communications/999999/messages.csv')).status).toBe(404);
  });
});
