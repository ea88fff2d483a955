// The outcome views as CSV, written a page at a time: each chunk is one keyset page, read only
// when the consumer asks for it, so a million-row export holds one page in memory and lets
// other queries in between pages. Cells go through the recipients CSV's formula-injection guard.
import { csvCell } from '../import/recipients-csv.js';
import type { SqlExec } from '../store/engine/sql-exec.js';
import { deliveryPage, failuresPage, receivedNothingPage, type DeliveryFilter } from '../store/outcomes.queries.js';

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark, for spreadsheets (downloads); not for pipes (the command line). */
  bom?: boolean;
}

/** Rows per statement: long enough to stream fast, short enough to never hold the database for long. */
export const EXPORT_PAGE = 2000;

/**
 * Between pages, the server's other requests go first. A page is a synchronous statement on
 * SQLite, and on loopback the socket drains as fast as pages come, so without this a million-row
 * download ran as one block: every other request waited 3.4 s.
 */
const breathe = () => new Promise((resolve) => setImmediate(resolve));

const BOM = '\uFEFF';
const cell = (value: string | null) => (value === null ? '' : csvCell(value));
const iso = (ms: number | null) => (ms === null ? '' : new Date(Number(ms)).toISOString());
/** An account's name as the views show it: first and last, either may be missing. */
export const nameOf = (first: string | null, last: string | null): string | null =>
  [first, last].filter((part) => part !== null && part.trim() !== '').join(' ') || null;

export async function* deliveriesCsv(exec: SqlExec, id: number, filter: DeliveryFilter, options: CsvOptions): AsyncGenerator<string> {
  yield `${options.bom ? BOM : ''}message_id,account_uuid,account_name,type,sent_at,status,error\r\n`;
  for (let afterId = 0; ; ) {
    const rows = await deliveryPage(exec, id, filter, { afterId }, EXPORT_PAGE);
    let text = '';
    for (const r of rows) {
      const error = r.delivery_state === 'failed' ? r.delivery_error : null;
      text += `${r.id},${cell(r.account_uuid)},${cell(nameOf(r.first_name, r.last_name))},${r.channel},${iso(r.sent_at)},${r.delivery_state},${cell(error)}\r\n`;
    }
    if (text) yield text;
    if (rows.length < EXPORT_PAGE) return;
    afterId = Number(rows[rows.length - 1]!.id);
    await breathe();
  }
}

export async function* failuresCsv(exec: SqlExec, id: number, options: CsvOptions): AsyncGenerator<string> {
  yield `${options.bom ? BOM : ''}message_id,account_uuid,account_name,line,type,error_code,error,received_nothing\r\n`;
  for (let after = { accountId: 0, id: 0 }; ; ) {
    const rows = await failuresPage(exec, id, after, EXPORT_PAGE);
    let text = '';
    for (const r of rows) {
      text += `${r.id},${cell(r.account_uuid)},${cell(nameOf(r.first_name, r.last_name))},${r.line ?? ''},${r.channel},`;
      text += `${cell(r.error_code)},${cell(r.error_message)},${Number(r.received_nothing) === 1 ? 'yes' : 'no'}\r\n`;
    }
    if (text) yield text;
    if (rows.length < EXPORT_PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { accountId: Number(last.account_id), id: Number(last.id) };
    await breathe();
  }
}

/** A recipients CSV: the header the recipients upload prefers, then one UUID a line. */
export async function* receivedNothingCsv(exec: SqlExec, id: number, options: CsvOptions): AsyncGenerator<string> {
  yield `${options.bom ? BOM : ''}account_uuid\r\n`;
  for (let afterAccount = 0; ; ) {
    const rows = await receivedNothingPage(exec, id, afterAccount, EXPORT_PAGE);
    let text = '';
    for (const r of rows) text += `${cell(r.account_uuid)}\r\n`;
    if (text) yield text;
    if (rows.length < EXPORT_PAGE) return;
    afterAccount = Number(rows[rows.length - 1]!.account_id);
    await breathe();
  }
}
