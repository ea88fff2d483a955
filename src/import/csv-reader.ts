// Reads a CSV upload as a stream of row batches: strict UTF-8 (a BOM is dropped), the delimiter
// detected from the header line, size and row limits enforced as the bytes arrive. Fatal problems
// are thrown as CrierErrors before the caller has applied anything.
import { CrierError } from '../domain/errors.js';
import { CsvParser, detectDelimiter, type CsvRow } from './csv-parser.js';

export interface CsvLimits {
  maxBytes: number;
  /** Data rows, the header not counted. */
  maxRows: number;
  maxFieldChars: number;
}

export interface CsvStart {
  delimiter: ',' | ';' | '\t';
  header: CsvRow;
}

export type CsvSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** How many characters may precede the first line end before the file is judged not a CSV. */
const MAX_HEADER_CHARS = 1024 * 1024;

/**
 * Yields batches of data rows. `onStart` receives the header row (the first non-blank line) and
 * the detected delimiter before any data row is yielded, and may throw to refuse the file.
 */
export async function* readCsv(
  source: CsvSource,
  limits: CsvLimits,
  onStart: (start: CsvStart) => void,
): AsyncGenerator<CsvRow[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let parser: CsvParser | undefined;
  let pending = '';
  let header: CsvRow | undefined;
  let dataRows = 0;
  let rows: CsvRow[] = [];

  const take = (batch: CsvRow[]): CsvRow[] => {
    let start = 0;
    if (!header) {
      if (batch.length === 0) return batch;
      header = batch[0]!;
      start = 1;
      onStart({ delimiter: delimiterChar(parser!), header });
    }
    dataRows += batch.length - start;
    if (dataRows > limits.maxRows) {
      throw new CrierError(
        'import_too_many_rows',
        `The file has more than ${limits.maxRows} rows (the configured limit); nothing was imported`,
        { maxRows: limits.maxRows },
      );
    }
    return start === 0 ? batch : batch.slice(start);
  };

  const feedText = (text: string): void => {
    if (text.indexOf('\0') !== -1) {
      throw new CrierError('import_not_csv', 'The file holds binary data (NUL bytes): it is not a CSV text file', {});
    }
    if (!parser) {
      pending += text;
      const end = firstLineEnd(pending);
      if (end === -1) {
        if (pending.length > MAX_HEADER_CHARS) {
          throw new CrierError('import_not_csv', 'No line end within the first megabyte: this is not a CSV file', {});
        }
        return;
      }
      parser = new CsvParser(detectDelimiter(pending.slice(0, end)).charCodeAt(0), limits.maxFieldChars);
      text = pending;
      pending = '';
    }
    parser.feed(text, rows);
  };

  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      bytes += Buffer.byteLength(chunk);
      text = bytes === Buffer.byteLength(chunk) ? chunk.replace(/^\uFEFF/, '') : chunk;
    } else {
      bytes += chunk.byteLength;
      text = decode(decoder, chunk, bytes, true);
    }
    if (bytes > limits.maxBytes) {
      throw new CrierError(
        'import_too_large',
        `The file is larger than ${limits.maxBytes} bytes (the configured limit); nothing was imported`,
        { maxBytes: limits.maxBytes },
      );
    }
    feedText(text);
    if (rows.length > 0) {
      const batch = take(rows);
      rows = [];
      if (batch.length > 0) yield batch;
    }
  }
  feedText(decode(decoder, new Uint8Array(0), bytes, false));
  if (!parser && pending.length > 0) {
    parser = new CsvParser(detectDelimiter(pending).charCodeAt(0), limits.maxFieldChars);
    parser.feed(pending, rows);
  }
  parser?.finish(rows);
  const last = take(rows);
  if (!header) throw new CrierError('import_empty', 'The file is empty: it has no header row and no data', {});
  if (last.length > 0) yield last;
  if (dataRows === 0) {
    throw new CrierError('import_empty', 'The file has a header row but no data rows; nothing was imported', {});
  }
}

function decode(decoder: InstanceType<typeof TextDecoder>, chunk: Uint8Array, bytesSoFar: number, stream: boolean): string {
  try {
    return decoder.decode(chunk, { stream });
  } catch {
    throw new CrierError(
      'import_not_csv',
      `The file is not UTF-8 text (invalid bytes within the first ${bytesSoFar} bytes): ` +
        'save it as "CSV UTF-8" and upload it again',
      { nearByte: bytesSoFar },
    );
  }
}

function firstLineEnd(text: string): number {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (lf === -1) return cr;
  if (cr === -1) return lf;
  return Math.min(lf, cr);
}

function delimiterChar(parser: CsvParser): ',' | ';' | '\t' {
  return String.fromCharCode(parser.delimiter) as ',' | ';' | '\t';
}
