// Turns one CSV row into account values, or into the problems that reject it; then merges those
// values into the stored account. Built once per import from the header, so the per-row work is
// a loop over the columns the file actually has (a million rows pass through here). Attributes
// beyond the limits of one account refuse the whole import (they are a file's shape, not a row's
// typo); checked here on each row, and again on merging with what an account already has.
import type { CountryCode } from 'libphonenumber-js';
import {
  attributeBytes,
  attributesTooLarge,
  attributeTooLarge,
  DEFAULT_ATTRIBUTE_LIMITS,
  tooManyAttributesOnAccount,
  utf8Bytes,
  utf8BytesAtMost,
  type AttributeLimits,
} from '../domain/account-attributes.js';
import {
  normaliseEmail,
  normaliseLanguage,
  normaliseTimeZone,
  normaliseUuid,
  parseConsent,
  PhoneNormaliser,
} from '../domain/account-fields.js';
import type { AccountValues, StagedRow } from '../store/account-import.queries.js';
import { appendRow, FIELDS, type CandidateBatch, type Cell } from './candidate-codec.js';
import type { ColumnMap } from './account-columns.js';
import type { CsvRow } from './csv-parser.js';

export type RejectReason =
  | 'invalid_uuid'
  | 'invalid_email'
  | 'invalid_phone'
  | 'invalid_language'
  | 'invalid_timezone'
  | 'invalid_consent'
  | 'too_many_fields'
  | 'duplicate';

export interface RejectedRow {
  line: number;
  column: string | null;
  value: string | null;
  reason: RejectReason;
  message: string;
}

/** A valid row: the fields present in the file, normalised. */
export interface Candidate {
  line: number;
  uuid: string;
  values: Partial<AccountValues>;
  /**
   * The JSON object of the row's non-empty attributes, keys in name order. An attribute column
   * of the file that it lacks is one the row leaves empty: that removes the attribute.
   */
  attributes: string;
}

type ValueField = Exclude<keyof AccountValues, 'attributes'>;

interface FieldCheck {
  field: ValueField;
  /** The field's place in the encoded row (candidate-codec's FIELDS). */
  slot: number;
  at: number;
  normalise: ((v: string) => string | number | null) | null;
  reason: RejectReason;
  message: string;
}

const CONSENT_MESSAGE = 'not a yes/no value (yes, no, true, false, 1, 0)';
const SHOWN_VALUE_CHARS = 120;

const NEW_ACCOUNT: AccountValues = {
  first_name: null,
  last_name: null,
  email: null,
  phone: null,
  language: null,
  timezone: null,
  email_consent: 1,
  sms_consent: 1,
  attributes: '{}',
};

export class AccountRowReader {
  private readonly checks: FieldCheck[];
  private readonly uuidAt: number;
  /** Attribute columns sorted by name, so stored JSON has sorted keys without sorting per row. */
  private readonly attributeNames: string[];
  /** `"name":` of each attribute, for writing a new account's attributes JSON directly. */
  private readonly attributeKeys: string[];
  private readonly attributeAt: number[];
  /** UTF-8 bytes of each attribute's name, counted against an account's total. */
  private readonly attributeNameBytes: number[];
  /** Indexes into the sorted attributes, in the order of the file's columns (to name the column that crosses a limit). */
  private readonly inFileOrder: number[];
  /** The row being read, field by field (undefined: not in the file); reused for every row. */
  private readonly cells: Cell[] = new Array<Cell>(FIELDS.length).fill(undefined);

  constructor(
    private readonly map: ColumnMap,
    defaultRegion: CountryCode,
    private readonly limits: AttributeLimits = DEFAULT_ATTRIBUTE_LIMITS,
  ) {
    const phones = new PhoneNormaliser(defaultRegion);
    const all: Omit<FieldCheck, 'at' | 'slot'>[] = [
      { field: 'first_name', normalise: null, reason: 'invalid_uuid', message: '' },
      { field: 'last_name', normalise: null, reason: 'invalid_uuid', message: '' },
      { field: 'email', normalise: normaliseEmail, reason: 'invalid_email', message: 'not a valid email address' },
      { field: 'phone', normalise: (v) => phones.normalise(v), reason: 'invalid_phone', message: 'not a valid phone number' },
      { field: 'language', normalise: normaliseLanguage, reason: 'invalid_language', message: 'not a BCP 47 language tag (e.g. en, fr-CA)' },
      { field: 'timezone', normalise: normaliseTimeZone, reason: 'invalid_timezone', message: 'not an IANA time zone (e.g. America/Toronto)' },
      { field: 'email_consent', normalise: parseConsent, reason: 'invalid_consent', message: CONSENT_MESSAGE },
      { field: 'sms_consent', normalise: parseConsent, reason: 'invalid_consent', message: CONSENT_MESSAGE },
    ];
    this.checks = all.flatMap((c) => {
      const at = map.fields[c.field];
      return at === undefined ? [] : [{ ...c, at, slot: FIELDS.indexOf(c.field) }];
    });
    this.uuidAt = map.fields.uuid!;
    const sorted = [...map.attributes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.attributeNames = sorted.map(([name]) => name);
    this.attributeKeys = this.attributeNames.map((name) => `${JSON.stringify(name)}:`);
    this.attributeAt = sorted.map(([, at]) => at);
    this.attributeNameBytes = this.attributeNames.map(utf8Bytes);
    this.inFileOrder = this.attributeAt.map((_, i) => i).sort((a, b) => this.attributeAt[a]! - this.attributeAt[b]!);
  }

  /**
   * The batch so far with this row appended, encoded for the main thread (candidate-codec.ts),
   * if the row is valid; else the batch unchanged, after passing each of the row's problems to
   * `reject`. No object is made for a row on the way: a million rows pass here.
   */
  encode(row: CsvRow, reject: (r: RejectedRow) => void, batch: string): string {
    const uuid = this.check(row, reject);
    return uuid === null ? batch : appendRow(batch, row.line, uuid, this.cells, this.attributesJson(row));
  }

  /** Checks the row, leaving its normalised values in `cells`: its UUID, or null if rejected. */
  private check(row: CsvRow, reject: (r: RejectedRow) => void): string | null {
    const { line, fields } = row;
    let ok = true;
    if (fields.length > this.map.width && fields.slice(this.map.width).some((f) => f.trim() !== '')) {
      ok = false;
      reject({ line, column: null, value: null, reason: 'too_many_fields', message: `has ${fields.length} fields but the header has ${this.map.width}` });
    }
    const rawUuid = (fields[this.uuidAt] ?? '').trim();
    const uuid = normaliseUuid(rawUuid);
    if (!uuid) {
      ok = false;
      reject({ line, column: 'uuid', value: shorten(rawUuid), reason: 'invalid_uuid', message: rawUuid === '' ? 'the UUID is empty' : 'not a UUID' });
    }
    const cells = this.cells;
    for (const check of this.checks) {
      const v = (fields[check.at] ?? '').trim();
      if (v === '') {
        // An empty cell clears a contact field; an empty consent cell leaves consent as it was.
        cells[check.slot] = check.normalise === parseConsent ? undefined : null;
      } else if (check.normalise === null) {
        cells[check.slot] = v;
      } else {
        const normalised = check.normalise(v);
        cells[check.slot] = normalised ?? undefined;
        if (normalised === null) {
          ok = false;
          reject({ line, column: check.field, value: shorten(v), reason: check.reason, message: check.message });
        }
      }
    }
    return ok ? uuid : null;
  }

  /**
   * Appends to `out` the stage values (NEW_ACCOUNT_COLUMNS) of a row that creates an account:
   * what merge() would give, without its objects.
   */
  newAccount(batch: CandidateBatch, row: number, out: unknown[]): void {
    const d = NEW_ACCOUNT;
    const v = (field: number) => batch.value(row, field);
    out.push(
      batch.uuid(row),
      v(0) ?? d.first_name,
      v(1) ?? d.last_name,
      v(2) ?? d.email,
      v(3) ?? d.phone,
      v(4) ?? d.language,
      v(5) ?? d.timezone,
      Number(v(6) ?? d.email_consent),
      Number(v(7) ?? d.sms_consent),
      batch.attributes(row),
    );
  }

  /** The stored account as it will be after this row: columns absent from the file keep their value. */
  merge(c: Candidate, existing: AccountValues): StagedRow {
    const next: AccountValues = { ...existing, ...c.values };
    if (this.attributeNames.length > 0) next.attributes = this.mergeAttributes(existing.attributes, c);
    next.email_consent = Number(next.email_consent);
    next.sms_consent = Number(next.sms_consent);
    return { uuid: c.uuid, line: c.line, action: sameValues(existing, next) ? 'unchanged' : 'update', ...next };
  }

  /** The stored attributes with the file's attribute columns set from the row's (absent: removed). */
  private mergeAttributes(storedJson: string, c: Candidate): string {
    const rowJson = c.attributes;
    // The same text: the account has exactly the row's attributes (both are written with sorted
    // keys), which the merge leaves as they are. A re-import of an unchanged file is all this.
    // (The row's own attributes are within the limits: checked as it was read.)
    if (storedJson === '{}' || storedJson === rowJson) return rowJson;
    const attrs = JSON.parse(storedJson) as Record<string, string>;
    const row = JSON.parse(rowJson) as Record<string, string>;
    for (const name of this.attributeNames) {
      const value = row[name];
      if (value === undefined) delete attrs[name];
      else attrs[name] = value;
    }
    if (!withinLimits(attrs, this.limits)) {
      // An account over a limit already (stored before the limit was lowered) may still be
      // updated, so long as the update does not make it larger.
      const before = measure(JSON.parse(storedJson) as Record<string, string>);
      const after = measure(attrs);
      const overCount = after.count > this.limits.maxAttributes && after.count > before.count;
      const overBytes = after.bytes > this.limits.maxTotalBytes && after.bytes > before.bytes;
      if (overCount || overBytes) this.refuseMerge(row, c, after, overCount);
    }
    return JSON.stringify(attrs, Object.keys(attrs).sort());
  }

  /** Names the file's column with which the merged account goes beyond a limit, and refuses the import. */
  private refuseMerge(row: Record<string, string>, c: Candidate, after: Size, overCount: boolean): never {
    // What the account keeps from earlier imports, then the file's columns added in file order.
    let count = after.count;
    let bytes = after.bytes;
    const present = this.inFileOrder.filter((i) => row[this.attributeNames[i]!] !== undefined);
    for (const i of present) {
      count--;
      bytes -= this.attributeNameBytes[i]! + utf8Bytes(row[this.attributeNames[i]!]!);
    }
    let at = present[0]!;
    for (const i of present) {
      count++;
      bytes += this.attributeNameBytes[i]! + utf8Bytes(row[this.attributeNames[i]!]!);
      if (overCount ? count > this.limits.maxAttributes : bytes > this.limits.maxTotalBytes) {
        at = i;
        break;
      }
    }
    const cell = { line: c.line, columnNumber: this.attributeAt[at]! + 1, name: this.attributeNames[at]! };
    throw overCount
      ? tooManyAttributesOnAccount(this.limits, c.uuid, after.count, cell)
      : attributesTooLarge(this.limits, after.bytes, cell, c.uuid);
  }

  /**
   * The JSON object of the row's non-empty attribute cells, keys in name order: what
   * JSON.stringify gives for that object, written directly (a million rows pass here).
   */
  private attributesJson(row: CsvRow): string {
    const keys = this.attributeKeys;
    if (keys.length === 0) return NEW_ACCOUNT.attributes;
    const fields = row.fields;
    const { maxAttributeBytes, maxTotalBytes } = this.limits;
    // Bytes are counted only when a bound that needs no counting is over a limit (a million rows).
    let bound = 0;
    let json = '{';
    for (let i = 0; i < keys.length; i++) {
      const value = (fields[this.attributeAt[i]!] ?? '').trim();
      if (value === '') continue;
      const valueBound = utf8BytesAtMost(value);
      if (valueBound > maxAttributeBytes) {
        const bytes = utf8Bytes(value);
        if (bytes > maxAttributeBytes) throw attributeTooLarge(this.limits, 'value', bytes, this.cell(row, i));
      }
      bound += this.attributeNameBytes[i]! + valueBound;
      json += `${json === '{' ? '' : ','}${keys[i]!}${JSON.stringify(value)}`;
    }
    if (bound > maxTotalBytes) this.checkTotal(row);
    return `${json}}`;
  }

  /** Refuses the row if its attributes together are over the account's total, naming the column that crosses it. */
  private checkTotal(row: CsvRow): void {
    let bytes = 0;
    for (const i of this.inFileOrder) {
      const value = (row.fields[this.attributeAt[i]!] ?? '').trim();
      if (value === '') continue;
      bytes += this.attributeNameBytes[i]! + utf8Bytes(value);
      if (bytes > this.limits.maxTotalBytes) throw attributesTooLarge(this.limits, bytes, this.cell(row, i));
    }
  }

  /** Where the row's i-th attribute (in name order) is. */
  private cell(row: CsvRow, i: number) {
    return { line: row.line, columnNumber: this.attributeAt[i]! + 1, name: this.attributeNames[i]! };
  }
}

interface Size {
  count: number;
  /** UTF-8 bytes of the names and values. */
  bytes: number;
}

/** Whether the attributes are surely within the account's limits, by a bound that needs no counting of bytes. */
function withinLimits(attrs: Record<string, string>, limits: AttributeLimits): boolean {
  let count = 0;
  let bound = 0;
  for (const name in attrs) {
    count++;
    bound += utf8BytesAtMost(name) + utf8BytesAtMost(attrs[name]!);
  }
  return count <= limits.maxAttributes && bound <= limits.maxTotalBytes;
}

function measure(attrs: Record<string, string>): Size {
  let count = 0;
  let bytes = 0;
  for (const [name, value] of Object.entries(attrs)) {
    count++;
    bytes += attributeBytes(name, value);
  }
  return { count, bytes };
}

function sameValues(a: AccountValues, b: AccountValues): boolean {
  return (
    a.first_name === b.first_name &&
    a.last_name === b.last_name &&
    a.email === b.email &&
    a.phone === b.phone &&
    a.language === b.language &&
    a.timezone === b.timezone &&
    Number(a.email_consent) === Number(b.email_consent) &&
    Number(a.sms_consent) === Number(b.sms_consent) &&
    a.attributes === b.attributes
  );
}

function shorten(value: string): string {
  return value.length > SHOWN_VALUE_CHARS ? `${value.slice(0, SHOWN_VALUE_CHARS)}…` : value;
}
