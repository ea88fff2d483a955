import { afterAll, beforeAll, expect, it } from 'vitest';
import { uuidFor } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';

describeEachDialect('recipients API', (ctx) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(ctx.url());
    const accounts = `uuid,first_name,email\n${uuidFor(1)},Ann,ann@example.com\n${uuidFor(2)},Ben,ben@example.com\n${uuidFor(3)},Cy,\n`;
    await t.inject({ method: 'POST', url: '/api/accounts/import', headers: { 'content-type': 'text/csv' }, payload: accounts });
  });
  afterAll(async () => t?.close());

  const upload = (id: number, csv: string, query = '') =>
    t.inject({ method: 'POST', url: `/api/communications/${id}/recipients${query}`, headers: { 'content-type': 'text/csv' }, payload: csv });

  it('uploads an Excel export, reports rejected rows by line, replaces on a second upload', async () => {
    const draft = (await t.inject({ method: 'POST', url: '/api/communications', payload: { name: 'Recipients' } })).json();
    const csv =
      '\uFEFFAccount_UUID;Note\r\n' +
      `${uuidFor(1)};"first\r\nline"\r\n` +
      `not-a-uuid;x\r\n` +
      `${uuidFor(9)};unknown\r\n` +
      `${uuidFor(1)};again\r\n` +
      `${uuidFor(3)};no channel\r\n` +
      `${uuidFor(2)};ok\r\n`;
    const res = await upload(draft.id, csv);
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ rowsRead: 6, accepted: 2, rejectedCount: 4, applied: true });
    expect(report.rejected.map((r: { line: number; reason: string }) => [r.line, r.reason])).toEqual([
      [4, 'not_a_uuid'],
      [5, 'unknown_account'],
      [6, 'duplicate'],
      [7, 'no_reachable_channel'],
    ]);
    expect((await t.inject({ url: `/api/communications/${draft.id}` })).json().recipients).toBe(2);

    const rejected = await t.inject({ url: `/api/communications/${draft.id}/recipients/rejected.csv` });
    expect(rejected.headers['content-type']).toMatch(/text\/csv/);
    expect(rejected.body).toMatch(/^\uFEFF?line,value,reason,detail\r?\n4,not-a-uuid,not_a_uuid,/);

    const again = await upload(draft.id, `uuid\n${uuidFor(2)}\n`);
    expect(again.json()).toMatchObject({ accepted: 1 });
    expect((await t.inject({ url: `/api/communications/${draft.id}` })).json().recipients).toBe(1);
  });

  it('serves the template CSV', async () => {
    const res = await t.inject({ url: '/api/communications/recipients-template.csv' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/account_uuid/);
  });

  it('refuses an upload to a communication that is not a draft, and one that does not exist', async () => {
    const draft = (await t.inject({ method: 'POST', url: '/api/communications', payload: { name: 'Sent already' } })).json();
    await t.app.store.db.updateTable('communications').set({ status: 'completed' }).where('id', '=', draft.id).execute();
    const refused = await upload(draft.id, `uuid\n${uuidFor(1)}\n`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('invalid_transition');
    expect((await upload(999_999, `uuid\n${uuidFor(1)}\n`)).statusCode).toBe(404);
  });
});
