// Attributes through the HTTP API: the configured limits hold for imports (which run on a thread
// of their own), and lists stay small: attributes only on an account's own page.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uuidFor } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';
import { startTestServer, type TestServer } from '../harness/server.js';

describeEachDialect('account attributes API', (ctx) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(ctx.url(), {
      env: {
        CRIER_ACCOUNT_MAX_ATTRIBUTES: '2',
        CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES: '40',
        CRIER_ACCOUNT_MAX_ATTRIBUTES_TOTAL_BYTES: '60',
      },
    });
  });
  afterAll(async () => t?.close());

  const importCsv = (csv: string) =>
    t.inject({
      method: 'POST',
      url: '/api/accounts/import',
      headers: { 'content-type': 'text/csv' },
      payload: csv,
    });
  const directory = async () => (await t.inject({ url: '/api/accounts?pageSize=500' })).json();

  it('answers lists without attributes and an account page with them', async () => {
    const res = await importCsv(
      `uuid,first_name,plan,area\n${uuidFor(1)},Ann,Fibre,North\n${uuidFor(2)},Ben,DSL,\n`,
    );
    expect(res.json()).toMatchObject({ inserted: 2, rejectedRows: 0 });
    const list = await directory();
    expect(list.items.map((a: { id: string }) => a.id)).toEqual([uuidFor(1), uuidFor(2)]);
    for (const item of list.items) expect(item).not.toHaveProperty('attributes');
    expect(list.items[0]).toMatchObject({
      id: uuidFor(1),
      firstName: 'Ann',
      consent: { email: true, sms: true },
    });
    const search = (await t.inject({ url: '/api/accounts?q=Ann' })).json();
    expect(search.items[0]).not.toHaveProperty('attributes');

    const page = await t.inject({ url: `/api/accounts/${uuidFor(1)}` });
    expect(page.json()).toMatchObject({
      id: uuidFor(1),
      firstName: 'Ann',
      attributes: { plan: 'Fibre', area: 'North' },
    });
  });

  it('refuses too many attribute columns under the configured limit, naming it, and changes nothing', async () => {
    const before = await directory();
    const res = await importCsv(
      `uuid,first_name,plan,area,node\n${uuidFor(1)},Changed,X,Y,Z\n${uuidFor(3)},Cy,,,\n`,
    );
    expect(res.statusCode).toBe(413);
    const { error } = res.json();
    expect(error.code).toBe('import_too_many_attributes');
    expect(error.message).toMatch(
      /^Line 1: .*3 attribute columns, more than the 2 .*CRIER_ACCOUNT_MAX_ATTRIBUTES.*column 5 "node"/,
    );
    expect(await directory()).toEqual(before);
  });

  it('refuses an oversized value, naming the line, the column and the limit, and changes nothing', async () => {
    const before = await directory();
    const res = await importCsv(
      `uuid,first_name,plan\n${uuidFor(1)},Changed,Fibre\n${uuidFor(4)},Di,${'z'.repeat(41)}\n`,
    );
    expect(res.statusCode).toBe(413);
    const { error } = res.json();
    expect(error.code).toBe('import_attributes_too_large');
    expect(error.message).toMatch(
      /^Line 3, column 3 "plan": the value is 41 bytes, more than the 40 .*CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES/,
    );
    expect(await directory()).toEqual(before);
    expect((await t.inject({ url: `/api/accounts/${uuidFor(1)}` })).json().attributes).toEqual({
      plan: 'Fibre',
      area: 'North',
    });
  });
});
