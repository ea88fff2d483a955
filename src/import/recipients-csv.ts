// The CSV files an operator downloads around a recipients upload: a template to fill in, and the
// rows the last upload rejected. Both are written for spreadsheets: CRLF line ends, and cells
// that a spreadsheet would run as a formula are defused.
import { rejectionsPage } from '../store/recipients.queries.js';
import type { Store } from '../store/store.js';

const PAGE_ROWS = 5000;
/** Excel reads a CSV without a byte order mark in the system's code page, garbling accents. */
const BOM = '\uFEFF';

/** A template recipients file: the preferred header and two example rows. */
export function recipientsTemplateCsv(): string {
  return 'account_uuid\r\n3f2b8c1e-9a4d-4e7b-8c2f-1d5e6a7b8c9d\r\n9b1d7e2a-4c3f-4a8e-b6d5-0e1f2a3b4c5d\r\n';
}

/**
 * The stored rejections of a communication's last recipients upload, as CSV text in chunks:
 * `line,value,reason,detail`, in line order. Only the header when there are none (or no such
 * communication: the caller checks that it exists).
 */
export async function* streamRejectionsCsv(store: Pick<Store, 'db'>, communicationId: number): AsyncGenerator<string> {
  yield `${BOM}line,value,reason,detail\r\n`;
  let afterLine = 0;
  for (;;) {
    const rows = await rejectionsPage(store.db, communicationId, afterLine, PAGE_ROWS);
    if (rows.length === 0) return;
    let text = '';
    for (const r of rows) text += `${r.line},${csvCell(r.value)},${csvCell(r.reason)},${csvCell(r.detail)}\r\n`;
    yield text;
    if (rows.length < PAGE_ROWS) return;
    afterLine = rows[rows.length - 1]!.line;
    // The server's other requests go between pages (a page is a synchronous statement on SQLite).
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * One CSV cell. A leading =, +, -, @, tab or CR would make a spreadsheet evaluate the cell (the
 * value came from an uploaded file, so it may be hostile): a leading ' keeps it text (OWASP's
 * advice on CSV injection). Then RFC 4180 quoting where the cell needs it.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
