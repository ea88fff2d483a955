import { beforeAll, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import { CrierError } from '../../src/domain/errors.js';
import { importAccounts } from '../../src/import/accounts-import.js';
import type { CsvLimits, CsvSource } from '../../src/import/csv-reader.js';
import { csvCell, recipientsTemplateCsv, streamRejectionsCsv } from '../../src/import/recipients-csv.js';
import { importRecipients, REPORTED_REJECTIONS } from '../../src/import/recipients-import.js';
import { accountsCsv, recipientLines, uuidFor } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';

const limits: CsvLimits = { maxBytes: 64 * 1024 * 1024, maxRows: 500_000, maxFieldChars: 65_536 };

/**
 * An Excel export: BOM, ";", CRLF, an `ID` column that loses to `Account UUID`, and a quoted
 * newline in the first row, so the first row spans lines 2–3 and row i (i ≥ 1) is on line i + 3.
 */
function excelCsv(cells: string[]): string {
  const rows = cells.map((cell, i) => `Row ${i};${i};${cell};${i === 0 ? '"two\r\nlines; here"' : 'note'}\r\n`);
  return `\uFEFFName;ID;Account UUID;Note\r\n${rows.join('')}`;
}

const lineOf = (i: number) => (i === 0 ? 2 : i + 3);

function chunks(text: string, size = 65_536): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < text.length; i += size) out.push(Buffer.from(text.slice(i, i + size)));
  return out;
}

async function collect(iterable: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of iterable) text += chunk;
  return text;
}

describeEachDialect('recipients import', (ctx) => {
  const upload = (id: number, source: CsvSource, allOrNothing = false, withLimits = limits) =>
    importRecipients({ store: ctx.store(), limits: withLimits }, id, source, { actor: CLI_ACTOR, allOrNothing });

  async function draft(status = 'draft'): Promise<number> {
    const now = Date.now();
    const row = await ctx
      .store()
      .db.insertInto('communications')
      .values({ name: 'Outage notice', default_language: 'en', status, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  const recipients = (id: number) => recipientLines(ctx.store().db, id);

  async function fingerprint(id: number) {
    const db = ctx.store().db;
    const communication = await db
      .selectFrom('communications')
      .select(['status', 'recipients_count', 'version', 'updated_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    const rejections = await db.selectFrom('recipient_rejections').selectAll().where('communication_id', '=', id).orderBy('line').execute();
    const audit = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { communication, recipients: await recipients(id), rejections, audit: Number(audit.n) };
  }

  async function expectRefused(id: number, source: CsvSource, code: string, message?: RegExp, withLimits = limits) {
    const before = await fingerprint(id);
    const err = await upload(id, source, false, withLimits).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CrierError);
    expect((err as CrierError).code).toBe(code);
    if (message) expect((err as CrierError).message).toMatch(message);
    expect(await fingerprint(id)).toEqual(before);
  }

  beforeAll(async () => {
    // Accounts 1–20 are reachable; 101–108 exercise each way of being unreachable (or not).
    const special = [
      `${uuidFor(101)},,,,`,
      `${uuidFor(102)},u102@example.com,+15142000102,no,no`,
      `${uuidFor(103)},u103@example.com,,no,`,
      `${uuidFor(104)},u104@example.com,+15142000104,,`,
      `${uuidFor(105)},u105@example.com,,,`,
      `${uuidFor(106)},u106@example.com,,,`,
      `${uuidFor(107)},u107@example.com,+15142000107,,`,
      `${uuidFor(108)},u108@example.com,+15142000108,no,`,
    ];
    const store = ctx.store();
    const options = { actor: CLI_ACTOR };
    const deps = { store, limits, defaultRegion: 'CA' as const };
    await importAccounts(deps, [accountsCsv(20, 1)], options);
    const report = await importAccounts(deps, [`uuid,email,phone,email_consent,sms_consent\n${special.join('\n')}\n`], options);
    expect(report).toMatchObject({ inserted: 8, rejectedRows: 0 });
    const now = Date.now();
    const suppress = (channel: string, address: string) => ({ channel, address, reason: 'unsubscribed', source: 'test', created_at: now });
    await store.db
      .insertInto('suppressions')
      .values([
        suppress('email', 'u104@example.com'),
        suppress('sms', '+15142000104'),
        suppress('email', 'u105@example.com'),
        suppress('email', 'u107@example.com'),
        suppress('sms', '+15142000108'),
      ])
      .execute();
  });

  it('rejects what is not a UUID, at its physical line', async () => {
    const id = await draft();
    const report = await upload(id, [Buffer.from(excelCsv([uuidFor(1), 'not-a-uuid', '  ', uuidFor(2).toUpperCase()]))]);
    expect(report).toMatchObject({ rowsRead: 4, accepted: 2, rejectedCount: 2, applied: true });
    expect(report.byReason).toEqual({ not_a_uuid: 2, unknown_account: 0, duplicate: 0, no_reachable_channel: 0 });
    expect(report.rejected).toEqual([
      { line: lineOf(1), value: 'not-a-uuid', reason: 'not_a_uuid', detail: 'not a UUID' },
      { line: lineOf(2), value: '  ', reason: 'not_a_uuid', detail: 'the UUID cell is empty' },
    ]);
    expect(await recipients(id)).toEqual([
      [2, uuidFor(1)],
      [lineOf(3), uuidFor(2)],
    ]);
  });

  it('rejects a UUID that names no account', async () => {
    const id = await draft();
    const report = await upload(id, [Buffer.from(excelCsv([uuidFor(3), uuidFor(999_999), uuidFor(4)]))]);
    expect(report).toMatchObject({ rowsRead: 3, accepted: 2, rejectedCount: 1 });
    expect(report.rejected).toEqual([
      { line: lineOf(1), value: uuidFor(999_999), reason: 'unknown_account', detail: 'no account has this UUID' },
    ]);
    expect(report.byReason.unknown_account).toBe(1);
  });

  it('rejects a repeated UUID as a duplicate of its first line, whatever its case', async () => {
    const id = await draft();
    const report = await upload(id, [Buffer.from(excelCsv([uuidFor(5), uuidFor(6), uuidFor(5).toUpperCase(), uuidFor(6)]))]);
    expect(report).toMatchObject({ rowsRead: 4, accepted: 2, rejectedCount: 2 });
    expect(report.rejected).toEqual([
      { line: lineOf(2), value: uuidFor(5), reason: 'duplicate', detail: 'duplicate of line 2' },
      { line: lineOf(3), value: uuidFor(6), reason: 'duplicate', detail: `duplicate of line ${lineOf(1)}` },
    ]);
    expect(report.byReason.duplicate).toBe(2);
  });

  it('rejects an account no channel can reach, saying why', async () => {
    const id = await draft();
    const numbers = [101, 102, 103, 104, 105, 106, 107, 108];
    const report = await upload(id, [Buffer.from(excelCsv(numbers.map(uuidFor)))]);
    expect(report).toMatchObject({ rowsRead: 8, accepted: 2, rejectedCount: 6 });
    expect(report.byReason.no_reachable_channel).toBe(6);
    expect(report.rejected.map((r) => [r.line, r.reason, r.detail])).toEqual([
      [lineOf(0), 'no_reachable_channel', 'no email and no phone'],
      [lineOf(1), 'no_reachable_channel', 'consent withdrawn'],
      [lineOf(2), 'no_reachable_channel', 'email consent withdrawn; no phone'],
      [lineOf(3), 'no_reachable_channel', 'suppressed'],
      [lineOf(4), 'no_reachable_channel', 'email suppressed; no phone'],
      [lineOf(7), 'no_reachable_channel', 'email consent withdrawn; phone suppressed'],
    ]);
    // An email without a phone, and a suppressed email with a good phone, still reach someone.
    expect(await recipients(id)).toEqual([
      [lineOf(5), uuidFor(106)],
      [lineOf(6), uuidFor(107)],
    ]);
  });

  it('judges alike when the file names most of the directory and it is read front to back', async () => {
    // The test above names 8 of 28 accounts, so it looks UUIDs up; this file names all 28 (and
    // one unknown), past the point where reading the whole directory is cheaper.
    const numbers = [...Array.from({ length: 20 }, (_, i) => i + 1), 101, 102, 103, 104, 105, 106, 107, 108];
    const id = await draft();
    const report = await upload(id, [`uuid\n${[...numbers, 999_997].map(uuidFor).join('\n')}\n`]);
    expect(report).toMatchObject({ rowsRead: 29, accepted: 22, rejectedCount: 7 });
    expect(report.byReason).toEqual({ not_a_uuid: 0, unknown_account: 1, duplicate: 0, no_reachable_channel: 6 });
    expect(report.rejected.map((r) => [r.line, r.value, r.detail])).toEqual([
      [22, uuidFor(101), 'no email and no phone'],
      [23, uuidFor(102), 'consent withdrawn'],
      [24, uuidFor(103), 'email consent withdrawn; no phone'],
      [25, uuidFor(104), 'suppressed'],
      [26, uuidFor(105), 'email suppressed; no phone'],
      [29, uuidFor(108), 'email consent withdrawn; phone suppressed'],
      [30, uuidFor(999_997), 'no account has this UUID'],
    ]);
    expect(await recipients(id)).toHaveLength(22);
  });

  it('replaces the recipients and rejections on every upload, with an audit row each time', async () => {
    const id = await draft();
    const db = ctx.store().db;
    const before = await fingerprint(id);
    await upload(id, [`uuid\n${uuidFor(7)}\n${uuidFor(8)}\nnope\n`]);
    const second = await upload(id, [`account_uuid,name\n${uuidFor(9)},Ann\n`]);
    expect(second).toMatchObject({ rowsRead: 1, accepted: 1, rejectedCount: 0, rejected: [], applied: true });
    const after = await fingerprint(id);
    expect(after.recipients).toEqual([[2, uuidFor(9)]]);
    expect(after.rejections).toEqual([]);
    expect(after.communication).toMatchObject({ recipients_count: 1, version: before.communication!.version + 2 });
    expect(after.communication!.updated_at).toBeGreaterThanOrEqual(before.communication!.updated_at);
    const audit = await db
      .selectFrom('audit_log')
      .select(['summary', 'details', 'target_type'])
      .where('action', '=', 'communication.recipients_uploaded')
      .where('target_id', '=', String(id))
      .orderBy('id')
      .execute();
    expect(audit).toHaveLength(2);
    expect(audit[0]!.summary).toBe('Uploaded recipients: 3 rows read, 2 accepted, 1 rejected');
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ rowsRead: 3, accepted: 2, byReason: { not_a_uuid: 1 } });
  });

  it('changes nothing with allOrNothing when a row is rejected, and applies a clean file', async () => {
    const id = await draft();
    await upload(id, [`uuid\n${uuidFor(10)}\n`]);
    const before = await fingerprint(id);
    const refused = await upload(id, [`uuid\n${uuidFor(11)}\n${uuidFor(999_998)}\n`], true);
    expect(refused).toMatchObject({ rowsRead: 2, accepted: 1, rejectedCount: 1, applied: false });
    expect(refused.rejected).toEqual([{ line: 3, value: uuidFor(999_998), reason: 'unknown_account', detail: 'no account has this UUID' }]);
    expect(await fingerprint(id)).toEqual(before);
    const clean = await upload(id, [`uuid\n${uuidFor(11)}\n`], true);
    expect(clean).toMatchObject({ accepted: 1, applied: true });
    expect(await recipients(id)).toEqual([[2, uuidFor(11)]]);
  });

  it('changes nothing on a fatal error', async () => {
    const id = await draft();
    await upload(id, [`uuid\n${uuidFor(12)}\nbad\n`]);
    await expectRefused(id, [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00])], 'import_not_csv');
    await expectRefused(id, [Buffer.from([0x75, 0x75, 0x69, 0x64, 0x0a, 0xff, 0xfe, 0x0a])], 'import_not_csv');
    await expectRefused(id, [''], 'import_empty');
    await expectRefused(id, ['account_uuid\r\n'], 'import_empty');
    await expectRefused(id, [`name,email\nAnn,ann@example.com\n`], 'import_missing_column', /found: "name", "email"/);
    await expectRefused(id, [`${uuidFor(13)}\n${uuidFor(14)}\n`], 'import_missing_column', /add a header line/);
    await expectRefused(id, [`uuid,note\n${uuidFor(13)},"never closed\n${uuidFor(14)},x\n`], 'import_malformed', /Line 2/);
    await expectRefused(id, [`uuid\n${uuidFor(13)}\n${uuidFor(14)}\n`], 'import_too_many_rows', undefined, { ...limits, maxRows: 1 });
    await expectRefused(id, [`uuid\n${uuidFor(13)}\n`, `${uuidFor(14)}\n`], 'import_too_large', undefined, { ...limits, maxBytes: 50 });
    // Valid rows before a fatal last line are not applied either.
    const valid = Array.from({ length: 20 }, (_, i) => uuidFor(i + 1));
    const bad = Array.from({ length: 12_000 }, () => 'bad');
    await expectRefused(id, [`uuid\n${valid.join('\n')}\n${bad.join('\n')}\n"unterminated\n`], 'import_malformed', /Line 12022/);
    expect((await fingerprint(id)).recipients).toEqual([[2, uuidFor(12)]]);
  });

  it('refuses a communication that is not a draft, or does not exist', async () => {
    const sent = await draft('completed');
    await expectRefused(sent, [`uuid\n${uuidFor(15)}\n`], 'invalid_transition', /draft/);
    const missing = 987_654;
    const err = await upload(missing, [`uuid\n${uuidFor(15)}\n`]).catch((e: unknown) => e);
    expect((err as CrierError).code).toBe('not_found');
    const notAnId = await upload(Number.NaN, [`uuid\n${uuidFor(15)}\n`]).catch((e: unknown) => e);
    expect((notAnId as CrierError).code).toBe('not_found');
  });

  it('keeps the rejected rows for download, defused against formula injection', async () => {
    const id = await draft();
    const hostile = ['=HYPERLINK("http://x.example")', '+1', '-2', '@SUM(A1)', '\tx', '\r=1', 'a,"b', 'Léa'];
    const csv = `uuid\n${hostile.map((v) => `"${v.replace(/"/g, '""')}"`).join('\n')}\n${uuidFor(16)}\n${uuidFor(16)}\n`;
    const report = await upload(id, [csv]);
    expect(report).toMatchObject({ accepted: 1, rejectedCount: 9 });
    const text = await collect(streamRejectionsCsv(ctx.store(), id));
    expect(text).toBe(
      '\uFEFFline,value,reason,detail\r\n' +
        `2,"'=HYPERLINK(""http://x.example"")",not_a_uuid,not a UUID\r\n` +
        "3,'+1,not_a_uuid,not a UUID\r\n" +
        "4,'-2,not_a_uuid,not a UUID\r\n" +
        "5,'@SUM(A1),not_a_uuid,not a UUID\r\n" +
        "6,'\tx,not_a_uuid,not a UUID\r\n" +
        `7,"'\r=1",not_a_uuid,not a UUID\r\n` +
        // The CR inside the quoted cell above ends a physical line: the rows below move down one.
        `9,"a,""b",not_a_uuid,not a UUID\r\n` +
        '10,Léa,not_a_uuid,not a UUID\r\n' +
        `12,${uuidFor(16)},duplicate,duplicate of line 11\r\n`,
    );
    expect(await collect(streamRejectionsCsv(ctx.store(), await draft()))).toBe('\uFEFFline,value,reason,detail\r\n');
    expect(csvCell('plain')).toBe('plain');
  });

  it('offers a template that its own import accepts', async () => {
    const template = recipientsTemplateCsv();
    expect(template.split('\r\n')[0]).toBe('account_uuid');
    const report = await upload(await draft(), [template]);
    expect(report).toMatchObject({ rowsRead: 2, byReason: { unknown_account: 2 } });
  });

  it('takes 100,000 rows, reporting the first rejections and storing them all', async () => {
    const accounts = await importAccounts(
      { store: ctx.store(), limits, defaultRegion: 'CA' },
      chunks(accountsCsv(100_000, 200_000)),
      { actor: CLI_ACTOR },
    );
    expect(accounts.inserted).toBe(100_000);
    const id = await draft();
    const bad = Array.from({ length: 1500 }, (_, i) => `nope-${i}`);
    const uuids = Array.from({ length: 100_000 }, (_, i) => uuidFor(200_000 + i));
    const report = await upload(id, chunks(`account_uuid\n${bad.join('\n')}\n${uuids.join('\n')}\n`));
    expect(report).toMatchObject({ rowsRead: 101_500, accepted: 100_000, rejectedCount: 1500, applied: true });
    expect(report.rejected).toHaveLength(REPORTED_REJECTIONS);
    expect(report.rejected[0]).toMatchObject({ line: 2, value: 'nope-0' });
    expect(report.rejected.at(-1)).toMatchObject({ line: REPORTED_REJECTIONS + 1 });
    const after = await fingerprint(id);
    expect(after.communication?.recipients_count).toBe(100_000);
    expect(after.recipients).toHaveLength(100_000);
    expect(after.recipients.at(-1)).toEqual([101_501, uuidFor(299_999)]);
    expect(after.rejections).toHaveLength(1500);
    const download = await collect(streamRejectionsCsv(ctx.store(), id));
    expect(download.split('\r\n')).toHaveLength(1 + 1500 + 1);
  }, 180_000);
});
