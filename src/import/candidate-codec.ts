// Valid rows cross from the parser thread as one string: a single copy instead of a structured
// clone of thousands of small objects (which cost the parser thread ~2 µs a row). CSV text never
// holds NUL (the reader refuses binary), so NUL separates fields; two more control characters
// mark a field the row clears (null) and a column the file lacks.
import type { AccountValues } from '../store/account-import.queries.js';
import type { Candidate } from './account-rows.js';

const SEP = '\u0000';
const NULL = '\u0001';
const ABSENT = '\u0002';

/** The account fields of an encoded row, in order, after its line and UUID. */
export const FIELDS = ['first_name', 'last_name', 'email', 'phone', 'language', 'timezone', 'email_consent', 'sms_consent'] as const;
const NUMERIC = new Set<string>(['email_consent', 'sms_consent']);
/** Cells a row: its line, UUID, FIELDS, then the JSON object of its non-empty attributes. */
const STRIDE = 2 + FIELDS.length + 1;

/** A field's value: undefined when the file has no such column (or leaves consent as it was). */
export type Cell = string | number | null | undefined;

/**
 * One row: its line, UUID, FIELDS' cells, then `attributes` (JSON); `batch` is the batch so far
 * ('' for none), returned with the row added. Concatenation builds a rope that V8 flattens once,
 * when the batch is posted: cheaper than joining an array of fields, and no array a row.
 */
export function appendRow(batch: string, line: number, uuid: string, cells: readonly Cell[], attributes: string): string {
  const out =
    `${batch === '' ? '' : SEP}${line}${SEP}${uuid}${SEP}${cell(cells[0])}${SEP}${cell(cells[1])}${SEP}${cell(cells[2])}` +
    `${SEP}${cell(cells[3])}${SEP}${cell(cells[4])}${SEP}${cell(cells[5])}${SEP}${cell(cells[6])}${SEP}${cell(cells[7])}${SEP}${attributes}`;
  return batch + out;
}

function cell(value: Cell): string {
  return value === undefined ? ABSENT : value === null ? NULL : String(value);
}

/**
 * A batch as it arrives from the parser thread, read in place: a row's line and UUID without
 * building anything, and the whole row as a Candidate only where it is needed.
 */
export class CandidateBatch {
  private readonly parts: string[];
  readonly count: number;

  constructor(text: string) {
    this.parts = text === '' ? [] : text.split(SEP);
    this.count = Math.floor(this.parts.length / STRIDE);
  }

  line(row: number): number {
    return Number(this.parts[row * STRIDE]);
  }

  uuid(row: number): string {
    return this.parts[row * STRIDE + 1]!;
  }

  /** The row's value of FIELDS[field] as the file gives it: null to clear, undefined if absent. */
  value(row: number, field: number): string | null | undefined {
    const raw = this.parts[row * STRIDE + 2 + field]!;
    return raw === ABSENT ? undefined : raw === NULL ? null : raw;
  }

  /** The JSON object of the row's non-empty attributes, keys in name order. */
  attributes(row: number): string {
    return this.parts[row * STRIDE + 2 + FIELDS.length]!;
  }

  candidate(row: number): Candidate {
    const values: Partial<Record<keyof AccountValues, string | number | null>> = {};
    for (let f = 0; f < FIELDS.length; f++) {
      const value = this.value(row, f);
      if (value === undefined) continue;
      const field = FIELDS[f]!;
      values[field] = value !== null && NUMERIC.has(field) ? Number(value) : value;
    }
    return { line: this.line(row), uuid: this.uuid(row), values: values as Partial<AccountValues>, attributes: this.attributes(row) };
  }
}
