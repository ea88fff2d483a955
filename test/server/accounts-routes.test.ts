import { afterAll, beforeAll, expect, it } from 'vitest';
import { accountsCsv, uuidFor } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';

function multipart(field: string, filename: string, content: string) {
  const boundary = '----crier-test-boundary';
  const payload =
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
    `Content-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describeEachDialect('accounts API', (ctx) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(ctx.url());
  });
  afterAll(async () => t?.close());

  it('imports a text/csv body and answers the report', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/accounts/import',
      headers: { 'content-type': 'text/csv' },
      payload: `uuid;first_name;email\r\n${uuidFor(1)};Ann;ann@example.com\r\nnope;Bob;bob@example.com\r\n`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      rowsRead: 2,
      inserted: 1,
      rejectedRows: 1,
      rejected: [{ line: 3, column: 'uuid', value: 'nope', reason: 'invalid_uuid' }],
    });
  });

  it('imports a multipart upload, all or nothing on request', async () => {
    const form = multipart('file', 'accounts.csv', `${accountsCsv(20, 100)}bad-uuid,X\n`);
    const refused = await t.inject({ method: 'POST', url: '/api/accounts/import?allOrNothing=true', ...form });
    expect(refused.json()).toMatchObject({ applied: false, inserted: 0, rejectedRows: 1 });
    const accepted = await t.inject({ method: 'POST', url: '/api/accounts/import', ...form });
    expect(accepted.json()).toMatchObject({ applied: true, inserted: 20, rejectedRows: 1 });
  });

  it('answers a fatal import error in the API error shape and changes nothing', async () => {
    const before = (await t.inject({ url: '/api/accounts?pageSize=1' })).json().total;
    const res = await t.inject({
      method: 'POST',
      url: '/api/accounts/import',
      headers: { 'content-type': 'text/csv' },
      payload: `first_name,email\nAnn,ann@example.com\n`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'import_missing_column' } });
    expect(res.body).not.toMatch(/at \w+ \(/); // no stack trace
    expect((await t.inject({ url: '/api/accounts?pageSize=1' })).json().total).toBe(before);
  });

  it('refuses a body that is neither CSV nor multipart', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/accounts/import', payload: { uuid: 'x' } });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('searches by name, email, phone and UUID, and pages', async () => {
    const byName = await t.inject({ url: '/api/accounts?q=first105' });
    expect(byName.json().items.map((a: { id: string }) => a.id)).toEqual([uuidFor(105)]);
    const byEmail = await t.inject({ url: '/api/accounts?q=user107@' });
    expect(byEmail.json().items[0].firstName).toBe('First107');
    const byUuid = await t.inject({ url: `/api/accounts?q=${uuidFor(1).toUpperCase()}` });
    expect(byUuid.json().items[0].firstName).toBe('Ann');
    const phone = byEmail.json().items[0].phone as string;
    const byPhone = await t.inject({ url: `/api/accounts?q=${encodeURIComponent(phone.slice(2))}` });
    expect(byPhone.json().items.map((a: { id: string }) => a.id)).toContain(uuidFor(107));
    const page2 = await t.inject({ url: '/api/accounts?q=First1&pageSize=5&page=2' });
    expect(page2.json()).toMatchObject({ page: 2, pageSize: 5, total: 20 });
    expect(page2.json().items).toHaveLength(5);
  });

  it('shows one account, and 404 in the error shape for an unknown one', async () => {
    const res = await t.inject({ url: `/api/accounts/${uuidFor(110)}` });
    expect(res.json()).toMatchObject({ id: uuidFor(110), firstName: 'First110', consent: { email: true, sms: true }, attributes: { plan: 'Fibre 0' } });
    const missing = await t.inject({ url: `/api/accounts/${uuidFor(999_999)}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('serves a home page, health, readiness and metrics', async () => {
    const home = await t.inject({ url: '/', headers: { authorization: '' } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toMatch(/Crier is running/);
    expect((await t.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await t.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', database: ctx.dialect });
    const metrics = await t.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/crier_account_import_rows_total\{result="inserted"\} 21/);
  });
});
