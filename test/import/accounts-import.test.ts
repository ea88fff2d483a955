import { expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import { CrierError } from '../../src/domain/errors.js';
import { importAccounts } from '../../src/import/accounts-import.js';
import type { CsvSource } from '../../src/import/csv-reader.js';
import { findAccountByUuid } from '../../src/store/accounts.queries.js';
import type { Store } from '../../src/store/store.js';
import { accountsCsv, uuidFor } from '../harness/accounts.js';
import { createTestDatabase, describeEachDialect } from '../harness/dialects.js';
import { openStore } from '../../src/store/store.js';

const limits = { maxBytes: 64 * 1024 * 1024, maxRows: 500_000, maxFieldChars: 65_536 };

describeEachDialect('accounts import', (ctx) => {
  const run = (source: CsvSource, allOrNothing = false, store: Store = ctx.store()) =>
    importAccounts({ store, limits, defaultRegion: 'CA' }, source, { actor: CLI_ACTOR, allOrNothing });

  async function fingerprint() {
    const db = ctx.store().db;
    const accounts = await db.selectFrom('accounts').select(['uuid', 'first_name', 'email', 'updated_at']).orderBy('uuid').execute();
    const audit = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { accounts, audit: Number(audit.n) };
  }

  async function expectFatal(source: CsvSource, code: string, message?: RegExp) {
    const before = await fingerprint();
    const err = await run(source).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrierError);
    expect((err as CrierError).code).toBe(code);
    if (message) expect((err as CrierError).message).toMatch(message);
    expect(await fingerprint()).toEqual(before);
  }

  it('reads an Excel export (BOM, ";", CRLF, quoted newline) and names rejected rows by line and column', async () => {
    const csv =
      '\uFEFFUUID;First Name;Last Name;E-mail;Phone;Language;Time Zone;SMS consent;Service Area\r\n' +
      `${uuidFor(9001)};Léa;"Tremblay; Côté";LEA@Example.COM;(514) 555-0123;fr_ca;America/Montreal;yes;"Montréal\r\nNord"\r\n` +
      `${uuidFor(9002)};Bob;Smith;not-an-email;+1 514 555 01;xx-!!;Mars/Olympus;maybe;Laval\r\n` +
      `not-a-uuid;Eve;;;;;;;\r\n` +
      `${uuidFor(9001)};Léa again;;;;;;;\r\n` +
      `${uuidFor(9003)};Zoë;Roy;zoe@example.com;;en;;no;\r\n`;
    const report = await run([Buffer.from(csv)]);
    expect(report).toMatchObject({ rowsRead: 5, inserted: 2, updated: 0, unchanged: 0, rejectedRows: 3, applied: true, delimiter: ';' });
    expect(report.columns.attributes).toEqual(['service_area']);
    const byLine = report.rejected.map((r) => [r.line, r.column, r.reason]);
    expect(byLine).toEqual([
      [4, 'email', 'invalid_email'],
      [4, 'phone', 'invalid_phone'],
      [4, 'language', 'invalid_language'],
      [4, 'timezone', 'invalid_timezone'],
      [4, 'sms_consent', 'invalid_consent'],
      [5, 'uuid', 'invalid_uuid'],
      [6, 'uuid', 'duplicate'],
    ]);
    expect(report.rejected.find((r) => r.reason === 'duplicate')?.message).toBe('duplicate of line 2');

    const lea = await findAccountByUuid(ctx.store().db, uuidFor(9001));
    expect(lea).toMatchObject({
      first_name: 'Léa',
      last_name: 'Tremblay; Côté',
      email: 'lea@example.com',
      phone: '+15145550123',
      language: 'fr-CA',
      sms_consent: 1,
      email_consent: 1,
    });
    expect(['America/Montreal', 'America/Toronto']).toContain(lea?.timezone);
    expect(JSON.parse(lea!.attributes)).toEqual({ service_area: 'Montréal\r\nNord' });
    expect(await findAccountByUuid(ctx.store().db, uuidFor(9002))).toBeUndefined();
    expect((await findAccountByUuid(ctx.store().db, uuidFor(9003)))?.sms_consent).toBe(0);
  });

  it('upserts by UUID: counts inserted, updated and unchanged, and keeps columns the file lacks', async () => {
    const first = await run([`uuid,first_name,email,plan,area\n${uuidFor(1)},Ann,ann@example.com,Fibre,North\n${uuidFor(2)},Ben,ben@example.com,DSL,South\n`]);
    expect(first).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    const second = await run([`uuid,first_name,plan\n${uuidFor(1)},Ann,Fibre\n${uuidFor(2)},Benjamin,\n${uuidFor(3)},Cy,Fibre\n`]);
    expect(second).toMatchObject({ rowsRead: 3, inserted: 1, updated: 1, unchanged: 1, rejectedRows: 0 });
    const ben = await findAccountByUuid(ctx.store().db, uuidFor(2));
    expect(ben).toMatchObject({ first_name: 'Benjamin', email: 'ben@example.com' });
    // The empty "plan" cell removed that attribute; "area", absent from the file, stayed.
    expect(JSON.parse(ben!.attributes)).toEqual({ area: 'South' });
  });

  it('applies nothing with --all-or-nothing when a row is rejected', async () => {
    const before = await fingerprint();
    const report = await run([`uuid,first_name\n${uuidFor(50)},Ok\nbad,Nope\n`], true);
    expect(report).toMatchObject({ applied: false, inserted: 0, rejectedRows: 1 });
    expect(report.rejected[0]).toMatchObject({ line: 3, column: 'uuid', reason: 'invalid_uuid' });
    expect(await fingerprint()).toEqual(before);
  });

  it('imports 100,000 rows, then finds them all unchanged on a second run', async () => {
    const csv = accountsCsv(100_000, 100_000);
    const chunks = (text: string) => {
      const out: Buffer[] = [];
      for (let i = 0; i < text.length; i += 65_536) out.push(Buffer.from(text.slice(i, i + 65_536)));
      return out;
    };
    const first = await run(chunks(csv));
    expect(first).toMatchObject({ rowsRead: 100_000, inserted: 100_000, rejectedRows: 0 });
    const again = await run(chunks(csv));
    expect(again).toMatchObject({ rowsRead: 100_000, inserted: 0, updated: 0, unchanged: 100_000 });
    const last = await findAccountByUuid(ctx.store().db, uuidFor(199_999));
    expect(last).toMatchObject({ first_name: 'First199999', email: 'user199999@example.com', language: 'en' });
  }, 120_000);

  it('changes nothing on hostile input', async () => {
    await run([`uuid,first_name\n${uuidFor(77)},Kept\n`]);
    await expectFatal([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00])], 'import_not_csv');
    await expectFatal([`uuid,first_name\n${uuidFor(78)},Ok\n${uuidFor(79)},${'x'.repeat(10 * 1024 * 1024)}\n`], 'import_malformed', /Line 3/);
    await expectFatal([`uuid,first_name\n${uuidFor(78)},"Ok\n${uuidFor(79)},Never closed\n`], 'import_malformed', /Line 2/);
    await expectFatal(['uuid,first_name\r\n'], 'import_empty');
    await expectFatal([''], 'import_empty');
    await expectFatal([`first_name,email\nAnn,ann@example.com\n`], 'import_missing_column', /no account UUID column/);
    await expectFatal([`uuid,email,Email\n${uuidFor(80)},a@example.com,b@example.com\n`], 'import_malformed', /appears twice/);
    // A fatal error in the last line still leaves the valid lines before it unapplied.
    await expectFatal([accountsCsv(3000, 500_000) + '"unterminated\n'], 'import_malformed');
    expect((await findAccountByUuid(ctx.store().db, uuidFor(77)))?.first_name).toBe('Kept');
  });

  it('writes one audit row per applied import', async () => {
    const db = ctx.store().db;
    const count = async () => Number((await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'accounts.imported').executeTakeFirstOrThrow()).n);
    const before = await count();
    await run([`uuid\n${uuidFor(4242)}\n`]);
    expect(await count()).toBe(before + 1);
  });

  it('changes nothing, with a clear answer, when another import adds one of its accounts meanwhile', async () => {
    // Into an empty directory an import looks nothing up: it learns of the other import's
    // account only when applying (on SQLite, when it builds the uuid index again), which must
    // then change nothing and say why. (test/store/accounts-uuid-index.test.ts: the other path.)
    const database = await createTestDatabase(ctx.dialect);
    const store = openStore(database.url);
    try {
      await store.migrate();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let paused!: () => void;
      const atPause = new Promise<void>((resolve) => (paused = resolve));
      async function* slowFile() {
        yield `uuid,first_name\n${uuidFor(7001)},Mine\n`;
        paused();
        await gate;
        yield `${uuidFor(7002)},Mine too\n`;
      }
      const first = run(slowFile(), false, store);
      await atPause;
      await run([`uuid,first_name\n${uuidFor(7001)},Theirs\n`], false, store);
      release();
      const err = await first.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CrierError);
      expect((err as CrierError).code).toBe('conflict');
      expect((err as CrierError).message).toMatch(/another import.*nothing was imported/);
      expect((await findAccountByUuid(store.db, uuidFor(7001)))?.first_name).toBe('Theirs');
      expect(await findAccountByUuid(store.db, uuidFor(7002))).toBeUndefined();
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
