// A streaming CSV parser that keeps the physical line each row starts on, so reports can say
// "line 7" exactly as a text editor shows it, even after quoted newlines. It accepts what
// spreadsheets export (RFC 4180 quoting, CRLF, LF or lone CR) and bounds every field's length,
// so an unbalanced quote cannot swallow the rest of a large file into memory.
import { CrierError } from '../domain/errors.js';

export interface CsvRow {
  /** 1-based physical line on which the row starts. */
  line: number;
  fields: string[];
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

const enum Find {
  Quote,
  CR,
  Delimiter,
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote seen inside a quoted field: either the first of "" or the closing one. */
  QuoteInQuoted,
}

export class CsvParser {
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private rowLine = 1;
  private quoteLine = 1;
  /** The previous chunk ended on a CR that ended a row: a leading LF belongs to it. */
  private afterRowCR = false;
  /** Inside quotes, the last character was a CR: an LF now does not start another line. */
  private crInQuotes = false;

  private readonly delimiterChar: string;

  constructor(
    readonly delimiter: number,
    private readonly maxFieldChars: number,
  ) {
    this.delimiterChar = String.fromCharCode(delimiter);
  }

  /** Parses one chunk of text, appending every completed row to `out`. */
  feed(text: string, out: CsvRow[]): void {
    const n = text.length;
    let i = 0;
    if (this.afterRowCR) {
      this.afterRowCR = false;
      if (n > 0 && text.charCodeAt(0) === LF) i = 1;
    }
    this.found = [-1, -1, -1];
    while (i < n) {
      // At a row's start, a whole line of plain fields is split by indexOf and slice; anything
      // else (an escaped quote, a quoted line end, a lone CR, a row the chunk cuts) goes through
      // the state machine, one row at a time.
      if (this.state === State.FieldStart && this.fields.length === 0 && this.field === '') {
        const next = this.plainRow(text, i, out);
        if (next !== -1) {
          i = next;
          continue;
        }
      }
      i = this.scanRow(text, i, out);
    }
  }

  /**
   * Where the chunk's next quote, CR and delimiter were found: each is searched again
   * only once the parse has passed it, so a chunk where one is rare is not scanned row after
   * row. -2: none left in this chunk.
   */
  private found = [-1, -1, -1];

  /** The next quote, CR or delimiter (`which`) at or after `from` in this chunk, or its length if there is none. */
  private next(text: string, which: Find, from: number): number {
    let at = this.found[which]!;
    if (at !== -2 && at < from) {
      const ch = which === Find.Quote ? '"' : which === Find.CR ? '\r' : this.delimiterChar;
      at = text.indexOf(ch, from);
      this.found[which] = at === -1 ? -2 : at;
    }
    return at < 0 ? text.length : at;
  }

  /**
   * Splits the line starting at `start` if it is plain: ends with LF or CRLF within this chunk,
   * holds no other CR, and its quoted fields (if any) hold no quote or line end and are followed
   * directly by a delimiter or the line's end. Returns where the next line starts, or -1.
   */
  private plainRow(text: string, start: number, out: CsvRow[]): number {
    const lf = text.indexOf('\n', start);
    if (lf === -1) return -1;
    const end = lf > start && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    // A longer line may hold a field over the limit: the state machine says which.
    if (end - start > this.maxFieldChars || this.next(text, Find.CR, start) < end) return -1;
    let fields: string[];
    if (this.next(text, Find.Quote, start) >= end) {
      fields = text.slice(start, end).split(this.delimiterChar);
    } else {
      fields = [];
      let at = start;
      for (;;) {
        let stop: number;
        if (text.charCodeAt(at) === QUOTE) {
          const close = text.indexOf('"', at + 1);
          stop = close + 1;
          if (close === -1 || close >= end || (stop < end && text.charCodeAt(stop) !== this.delimiter)) return -1;
          fields.push(text.slice(at + 1, close));
        } else {
          stop = Math.min(this.next(text, Find.Delimiter, at), end);
          fields.push(text.slice(at, stop));
        }
        if (stop >= end) break;
        // After a delimiter that ends the line, the loop takes the empty field at `end` itself.
        at = stop + 1;
      }
    }
    this.fields = fields;
    this.endRow(out);
    return lf + 1;
  }

  /**
   * Runs the state machine from `from` until a row ends (returns where the next one starts) or
   * the chunk does (returns its length, keeping the partial row for the next chunk).
   */
  private scanRow(text: string, from: number, out: CsvRow[]): number {
    const n = text.length;
    const delim = this.delimiter;
    let seg = from;
    let state = this.state;
    for (let i = from; i < n; i++) {
      const c = text.charCodeAt(i);
      if (state === State.FieldStart) {
        if (c === QUOTE) {
          state = State.Quoted;
          this.quoteLine = this.line;
          seg = i + 1;
          continue;
        }
        // Any other character starts an unquoted field (a delimiter or line end: an empty one).
        seg = i;
        state = State.Unquoted;
      }
      switch (state) {
        case State.Unquoted:
          if (c === delim) {
            this.endField(text.slice(seg, i));
            state = State.FieldStart;
          } else if (c === LF || c === CR) {
            this.endField(text.slice(seg, i));
            this.endRow(out);
            this.state = State.FieldStart;
            return c === CR ? this.skipLfAfterCr(text, i) + 1 : i + 1;
          }
          break;
        case State.Quoted:
          if (c === QUOTE) {
            this.field += text.slice(seg, i);
            state = State.QuoteInQuoted;
            this.crInQuotes = false;
          } else if (c === CR) {
            this.line++;
            this.crInQuotes = true;
          } else if (c === LF) {
            if (!this.crInQuotes) this.line++;
            this.crInQuotes = false;
          } else {
            this.crInQuotes = false;
          }
          break;
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.field += '"';
            seg = i + 1;
            state = State.Quoted;
          } else if (c === delim) {
            this.endField('');
            state = State.FieldStart;
          } else if (c === LF || c === CR) {
            this.endField('');
            this.endRow(out);
            this.state = State.FieldStart;
            return c === CR ? this.skipLfAfterCr(text, i) + 1 : i + 1;
          } else {
            // Text after a closing quote: kept as part of the field, as spreadsheets do.
            seg = i;
            state = State.Unquoted;
          }
          break;
      }
    }
    if (state === State.Unquoted || state === State.Quoted) {
      this.field += text.slice(seg, n);
      this.checkLength();
    }
    this.state = state;
    return n;
  }

  /** Ends the input: completes a last row without a newline; an open quote is an error. */
  finish(out: CsvRow[]): void {
    if (this.state === State.Quoted) {
      throw new CrierError(
        'import_malformed',
        `Line ${this.quoteLine}: a quoted field is never closed (an unbalanced " character); nothing was imported`,
        { line: this.quoteLine },
      );
    }
    if (this.state !== State.FieldStart || this.fields.length > 0) {
      this.endField('');
      this.endRow(out);
    }
    this.state = State.FieldStart;
  }

  /** After a CR that ended a row, consumes a following LF (CRLF is one line end). */
  private skipLfAfterCr(text: string, i: number): number {
    if (i + 1 < text.length) return text.charCodeAt(i + 1) === LF ? i + 1 : i;
    this.afterRowCR = true;
    return i;
  }

  private endField(tail: string): void {
    const value = this.field + tail;
    this.field = '';
    if (value.length > this.maxFieldChars) this.tooLong(value.length);
    this.fields.push(value);
  }

  private endRow(out: CsvRow[]): void {
    const fields = this.fields;
    this.fields = [];
    // A blank line (one empty field) is not a row.
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: this.rowLine, fields });
    this.line++;
    this.rowLine = this.line;
  }

  private checkLength(): void {
    if (this.field.length > this.maxFieldChars) this.tooLong(this.field.length);
  }

  private tooLong(length: number): never {
    const line = this.state === State.Quoted ? this.quoteLine : this.rowLine;
    throw new CrierError(
      'import_malformed',
      `Line ${line}: a field is longer than ${this.maxFieldChars} characters (at least ${length}); ` +
        'check for an unbalanced " character. Nothing was imported',
      { line, maxFieldChars: this.maxFieldChars },
    );
  }
}

const CANDIDATES = [',', ';', '\t'] as const;

/** Picks the delimiter from the header line: the candidate seen most often outside quotes. */
export function detectDelimiter(headerLine: string): ',' | ';' | '\t' {
  const counts = new Map<string, number>(CANDIDATES.map((d) => [d, 0]));
  let inQuotes = false;
  for (const ch of headerLine) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: ',' | ';' | '\t' = ',';
  for (const d of CANDIDATES) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}
