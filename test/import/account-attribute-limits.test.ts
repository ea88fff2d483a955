// Attributes are bounded per account: how many, how large each one, how large all of them
// together. An import that would go beyond any limit is refused whole and changes nothing.
import { expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import { CrierError } from '../../src/domain/errors.js';
import { importAccounts } from '../../src/import/accounts-import.js';
import type { CsvSource } from '../../src/import/csv-reader.js';
import { findAccountByUuid } from '../../src/store/accounts.queries.js';
import { uuidFor } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';

const limits = { maxBytes: 64 * 1024 * 1024, maxRows: 500_000, maxFieldChars: 65_536 };
const attributeLimits = { maxAttributes: 3, maxAttributeBytes: 100, maxTotalBytes: 200 };

describeEachDialect('account attribute limits', (ctx) => {
  /** With `defaults`, the import is given no limits of its own: DEFAULT_ATTRIBUTE_LIMITS hold. */
  const run = (
    source: CsvSource,
    attributes: typeof attributeLimits | 'defaults' = attributeLimits,
  ) =>
    importAccounts(
      {
        store: ctx.store(),
        limits,
        defaultRegion: 'CA',
        ...(attributes === 'defaults' ? {} : { attributeLimits: attributes }),
      },
      source,
      { actor: CLI_ACTOR },
    );

  async function fingerprint() {
    const db = ctx.store().db;
    const accounts = await db
      .selectFrom('accounts')
      .select(['uuid', 'first_name', 'attributes', 'updated_at'])
      .orderBy('uuid')
      .execute();
    const audit = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { accounts, audit: Number(audit.n) };
  }

  /** The import's error, after checking that it changed nothing at all. */
  async function refused(
    source: CsvSource,
    attributes: typeof attributeLimits | 'defaults' = attributeLimits,
  ): Promise<CrierError> {
    const before = await fingerprint();
    const err = await run(source, attributes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrierError);
    expect(await fingerprint()).toEqual(before);
    return err as CrierError;
  }

  it('refuses a header with more attribute columns than the limit, naming the limit and the column', async () => {
    await run([`uuid,first_name,plan\n${uuidFor(1)},Ann,Fibre\n`]);
    const err = await refused([
      `uuid,first_name,plan,area,node,rack\n${uuidFor(1)},Changed,DSL,North,7,R1\n${uuidFor(2)},New,,,,\n`,
    ]);
    expect(err.code).toBe('import_too_many_attributes');
    expect(err.message).toMatch(
      /^Line 1: the file has 4 attribute columns, more than the 3 .*CRIER_ACCOUNT_MAX_ATTRIBUTES.*column 6 "rack"/,
    );
    expect(err.message).not.toMatch(/\n/);
    expect(err.details).toMatchObject({
      line: 1,
      column: 'rack',
      setting: 'CRIER_ACCOUNT_MAX_ATTRIBUTES',
      limit: 3,
    });
    expect((await findAccountByUuid(ctx.store().db, uuidFor(1)))?.first_name).toBe('Ann');
  });

  it('refuses the 50,000-column header of the report at once under the default limits', async () => {
    const header = ['uuid', ...Array.from({ length: 50_000 }, (_, i) => `c${i}`)].join(',');
    const row = (n: number) => [uuidFor(n), ...Array.from({ length: 50_000 }, () => 'x')].join(',');
    const err = await refused([`${header}\n${row(100)}\n${row(101)}\n`], 'defaults');
    expect(err.code).toBe('import_too_many_attributes');
    expect(err.message).toMatch(
      /50000 attribute columns, more than the 100 .*CRIER_ACCOUNT_MAX_ATTRIBUTES/,
    );
    expect(await findAccountByUuid(ctx.store().db, uuidFor(100))).toBeUndefined();
  });

  it('refuses an attribute value over the limit (in bytes), naming the line, the column and the limit', async () => {
    // 60 characters, but 120 bytes in UTF-8: over the limit of 100 bytes.
    const wide = 'é'.repeat(60);
    const err = await refused([
      `uuid,first_name,plan,notes\n${uuidFor(10)},Ok,Fibre,short\n${uuidFor(11)},Big,DSL,${wide}\n`,
    ]);
    expect(err.code).toBe('import_attributes_too_large');
    expect(err.message).toMatch(
      /^Line 3, column 4 "notes": the value is 120 bytes, more than the 100 .*CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES/,
    );
    expect(err.details).toMatchObject({
      line: 3,
      column: 'notes',
      setting: 'CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES',
      limit: 100,
      bytes: 120,
    });
    // The valid line before it was not applied either.
    expect(await findAccountByUuid(ctx.store().db, uuidFor(10))).toBeUndefined();
  });

  it("refuses a row whose attributes together exceed the account's total, naming the column that crosses it", async () => {
    const v = 'x'.repeat(90);
    const err = await refused([`uuid,a,b,c\n${uuidFor(20)},${v},${v},${v}\n`]);
    expect(err.code).toBe('import_attributes_too_large');
    // a + 90 and b + 90: 182 bytes; with c + 90: 273, over 200.
    expect(err.message).toMatch(
      /^Line 2, column 4 "c": .*273 bytes.*more than the 200 .*CRIER_ACCOUNT_MAX_ATTRIBUTES_TOTAL_BYTES/,
    );
    expect(err.details).toMatchObject({
      line: 2,
      column: 'c',
      setting: 'CRIER_ACCOUNT_MAX_ATTRIBUTES_TOTAL_BYTES',
    });
  });

  it('refuses an attribute name over the limit', async () => {
    const err = await refused([`uuid,${'n'.repeat(101)}\n${uuidFor(30)},x\n`]);
    expect(err.code).toBe('import_attributes_too_large');
    expect(err.message).toMatch(
      /^Line 1, column 2 "n{10}.*": the attribute name is 101 bytes, .*CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES/,
    );
  });

  it('counts the attributes an account keeps from earlier imports, and lets an account at the limit be updated', async () => {
    await run([`uuid,plan,area,node\n${uuidFor(40)},Fibre,North,7\n`]);
    // plan, area and node stay (the file lacks them); rack would be the fourth.
    const err = await refused([`uuid,rack\n${uuidFor(40)},R1\n`]);
    expect(err.code).toBe('import_too_many_attributes');
    expect(err.message).toMatch(
      new RegExp(
        `^Line 2, column 2 "rack": account ${uuidFor(40)} would have 4 attributes.*CRIER_ACCOUNT_MAX_ATTRIBUTES`,
      ),
    );
    // Replacing one (an empty cell removes it) keeps the account within the limit.
    expect(await run([`uuid,node,rack\n${uuidFor(40)},,R1\n`])).toMatchObject({ updated: 1 });
    const account = await findAccountByUuid(ctx.store().db, uuidFor(40));
    expect(JSON.parse(account!.attributes)).toEqual({ area: 'North', plan: 'Fibre', rack: 'R1' });
  });

  it('counts the bytes an account keeps from earlier imports against its total', async () => {
    const v = 'y'.repeat(95);
    await run([`uuid,a,b\n${uuidFor(50)},${v},${v}\n`]);
    const err = await refused([`uuid,c\n${uuidFor(50)},${v}\n`]);
    expect(err.code).toBe('import_attributes_too_large');
    expect(err.message).toMatch(
      /^Line 2, column 2 "c": .*CRIER_ACCOUNT_MAX_ATTRIBUTES_TOTAL_BYTES/,
    );
  });
});
