import { describe, expect, it } from 'vitest';
import { CsvParser, detectDelimiter, type CsvRow } from '../../src/import/csv-parser.js';
import { readCsv } from '../../src/import/csv-reader.js';
import { CrierError } from '../../src/domain/errors.js';

function parse(text: string, chunkSize = text.length || 1, delimiter = ','): CsvRow[] {
  const parser = new CsvParser(delimiter.charCodeAt(0), 1000);
  const out: CsvRow[] = [];
  for (let i = 0; i < text.length; i += chunkSize) parser.feed(text.slice(i, i + chunkSize), out);
  parser.finish(out);
  return out;
}

const limits = { maxBytes: 1e9, maxRows: 1e6, maxFieldChars: 1000 };

/** Rows, or the error's message up to its explanation in brackets. */
function outcome(read: () => CsvRow[]): CsvRow[] | string {
  try {
    return read();
  } catch (err) {
    return (err as Error).message.split(' (')[0]!;
  }
}

/**
 * The rules read once over the whole text, character by character: fields split by the
 * delimiter; a field that starts with a quote runs to the next lone quote ("" is a quote), and
 * text after that quote joins the field; rows end at LF, CR or CRLF outside quotes; a row is
 * numbered by the physical line it starts on (CR, LF and CRLF each end a line, also in quotes);
 * blank lines are no rows; an unclosed quote is an error naming its line.
 */
function reference(text: string, delimiter: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const n = text.length;
  let line = 1;
  let i = 0;
  const isEnd = (c: string | undefined) => c === delimiter || c === '\n' || c === '\r';
  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const opened = line;
        i++;
        for (;;) {
          if (i >= n) throw new Error(`Line ${opened}: a quoted field is never closed`);
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\r' && text[i + 1] === '\n') {
            field += '\r\n';
            i += 2;
            line++;
            continue;
          }
          if (c === '\r' || c === '\n') line++;
          field += c;
          i++;
        }
      }
      while (i < n && !isEnd(text[i])) field += text[i++];
      fields.push(field);
      if (i >= n) break;
      if (text[i] === delimiter) {
        i++;
        if (i >= n) {
          fields.push('');
          break;
        }
        continue;
      }
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      break;
    }
    line++;
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: rowLine, fields });
  }
  return rows;
}

async function readAll(chunks: (string | Uint8Array)[], l = limits) {
  let start: { delimiter: string; header: CsvRow } | undefined;
  const rows: CsvRow[] = [];
  for await (const batch of readCsv(chunks, l, (s) => (start = s))) rows.push(...batch);
  return { start: start!, rows };
}

async function fatal(chunks: (string | Uint8Array)[], l = limits): Promise<CrierError> {
  try {
    await readAll(chunks, l);
  } catch (err) {
    if (err instanceof CrierError) return err;
    throw err;
  }
  throw new Error('expected a fatal import error');
}

describe('CsvParser', () => {
  it('keeps the physical line of each row across quoted newlines and CRLF', () => {
    const text = 'a,b\r\n1,"two\r\nlines"\r\n3,4\r\n';
    expect(parse(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'two\r\nlines'] },
      { line: 4, fields: ['3', '4'] },
    ]);
  });

  it('gives the same rows whatever the chunk boundaries', () => {
    const text = 'uuid;name\r\n"x;y";"say ""hi"""\r\n\r\nz;"a\nb"\rlast;row';
    const whole = parse(text, text.length, ';');
    for (const size of [1, 2, 3, 5, 7]) expect(parse(text, size, ';')).toEqual(whole);
    expect(whole).toEqual([
      { line: 1, fields: ['uuid', 'name'] },
      { line: 2, fields: ['x;y', 'say "hi"'] },
      { line: 4, fields: ['z', 'a\nb'] },
      { line: 6, fields: ['last', 'row'] },
    ]);
  });

  it('skips blank lines but counts them', () => {
    expect(parse('a\n\n\nb\n')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 4, fields: ['b'] },
    ]);
  });

  it('keeps empty fields and a trailing delimiter', () => {
    expect(parse('a,,c,\n')).toEqual([{ line: 1, fields: ['a', '', 'c', ''] }]);
  });

  it('reports an unbalanced quote with the line it opened on', () => {
    expect(() => parse('a,b\n1,"open\n2,3\n')).toThrowError(/Line 2: a quoted field is never closed/);
  });

  it('refuses a field longer than the limit, naming its line', () => {
    const parser = new CsvParser(44, 10);
    expect(() => parser.feed('a,b\nc,01234567890\n', [])).toThrowError(/Line 2: a field is longer than 10/);
  });

  it('parses random text exactly as a plain reading of the rules does, however it is cut into chunks', () => {
    // The parser splits plain lines with indexOf and runs a state machine on the rest; both must
    // give what this one-pass reading of the rules gives, for any text and any chunking.
    const alphabet = ['a', 'b', 'é', ' ', ',', ',', ';', '"', '"', '\n', '\r', '\r\n'];
    // mulberry32: a small seeded generator, so a failure comes back on every run.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const seen = new Set<string>();
    for (let round = 0; round < 4000; round++) {
      let text = '';
      for (let k = random(40); k > 0; k--) text += alphabet[random(alphabet.length)];
      seen.add(text);
      const delimiter = round % 3 === 0 ? ';' : ',';
      const expected = outcome(() => reference(text, delimiter));
      for (const size of [text.length || 1, 1 + random(9)]) {
        expect(outcome(() => parse(text, size, delimiter)), JSON.stringify({ text, size, delimiter })).toEqual(expected);
      }
    }
    expect(seen.size).toBeGreaterThan(3500);
  });

  it('detects the delimiter from the header line', () => {
    expect(detectDelimiter('uuid;first_name;email')).toBe(';');
    expect(detectDelimiter('uuid\tfirst_name')).toBe('\t');
    expect(detectDelimiter('uuid,"last; first"')).toBe(',');
    expect(detectDelimiter('uuid')).toBe(',');
  });
});

describe('readCsv', () => {
  it('reads an Excel export: BOM, semicolons, CRLF, quoted delimiter, split multibyte characters', async () => {
    const bytes = Buffer.from('\uFEFFuuid;name\r\nu1;"Côté; Élodie"\r\nu2;Zoë\r\n', 'utf8');
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    const { start, rows } = await readAll(chunks);
    expect(start.delimiter).toBe(';');
    expect(start.header.fields).toEqual(['uuid', 'name']);
    expect(rows).toEqual([
      { line: 2, fields: ['u1', 'Côté; Élodie'] },
      { line: 3, fields: ['u2', 'Zoë'] },
    ]);
  });

  it('refuses binary data', async () => {
    const err = await fatal([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x0a])]);
    expect(err.code).toBe('import_not_csv');
  });

  it('refuses text that is not UTF-8 and says how to fix it', async () => {
    const err = await fatal([Buffer.from('uuid,name\nu1,C\xf4t\xe9\n', 'latin1')]);
    expect(err.code).toBe('import_not_csv');
    expect(err.message).toMatch(/CSV UTF-8/);
  });

  it('refuses an empty file and a header without rows', async () => {
    expect((await fatal([''])).code).toBe('import_empty');
    expect((await fatal(['uuid,name\r\n'])).code).toBe('import_empty');
  });

  it('enforces the byte and row limits', async () => {
    expect((await fatal(['uuid\n1\n2\n3\n'], { ...limits, maxRows: 2 })).code).toBe('import_too_many_rows');
    expect((await fatal(['uuid\n1\n2\n3\n'], { ...limits, maxBytes: 8 })).code).toBe('import_too_large');
  });
});
