// Turns one CSV row into account values, or into the problems that reject it; then merges those
// values into the stored account. Built once per import from the header, so the per-row work is
// a loop over the columns the file actually has (a million rows pass through here).
import type { CountryCode } from 'libphonenumber-js';
import {
  normaliseEmail,
  normaliseLanguage,
  normaliseTimeZone,
  normaliseUuid,
  parseConsent,
  PhoneNormaliser,
} from '../domain/account-fields.js';
import type { AccountValues, StagedRow, StageRecord } from '../store/account-import.queries.js';
import type { CandidateBatch } from './candidate-codec.js';
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
  /** Attribute values in name order; '' removes the attribute. */
  attributes: string[];
}

type ValueField = Exclude<keyof AccountValues, 'attributes'>;

interface FieldCheck {
  field: ValueField;
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
  private readonly attributeAt: number[];

  constructor(
    private readonly map: ColumnMap,
    defaultRegion: CountryCode,
  ) {
    const phones = new PhoneNormaliser(defaultRegion);
    const all: Omit<FieldCheck, 'at'>[] = [
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
      return at === undefined ? [] : [{ ...c, at }];
    });
    this.uuidAt = map.fields.uuid!;
    const sorted = [...map.attributes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.attributeNames = sorted.map(([name]) => name);
    this.attributeAt = sorted.map(([, at]) => at);
  }

  /** The row's values, or undefined after passing each of its problems to `reject`. */
  read(row: CsvRow, reject: (r: RejectedRow) => void): Candidate | undefined {
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
    const values: Partial<Record<ValueField, string | number | null>> = {};
    for (const check of this.checks) {
      const v = (fields[check.at] ?? '').trim();
      if (v === '') {
        // An empty cell clears a contact field; an empty consent cell leaves consent as it was.
        if (check.normalise !== parseConsent) values[check.field] = null;
      } else if (check.normalise === null) {
        values[check.field] = v;
      } else {
        const normalised = check.normalise(v);
        if (normalised !== null) values[check.field] = normalised;
        else {
          ok = false;
          reject({ line, column: check.field, value: shorten(v), reason: check.reason, message: check.message });
        }
      }
    }
    if (!ok || !uuid) return undefined;
    const attributes = this.attributeAt.map((at) => (fields[at] ?? '').trim());
    return { line, uuid, values: values as Partial<AccountValues>, attributes };
  }

  /** The stage record of a row that creates an account: what merge() gives, without its objects. */
  newAccount(batch: CandidateBatch, row: number): StageRecord {
    const [first, last, email, phone, language, timezone, emailConsent, smsConsent] = batch.newAccountValues(row);
    const attributes = this.attributeNames.length > 0 ? this.mergeAttributes('{}', batch.attributes(row)) : '{}';
    return [batch.uuid(row), batch.line(row), 'insert', first, last, email, phone, language, timezone, emailConsent, smsConsent, attributes];
  }

  /** The account as it will be after this row: columns absent from the file keep their value. */
  merge(c: Candidate, existing: AccountValues | undefined): StagedRow {
    const base = existing ?? NEW_ACCOUNT;
    const next: AccountValues = { ...base, ...c.values };
    if (this.attributeNames.length > 0) next.attributes = this.mergeAttributes(base.attributes, c.attributes);
    next.email_consent = Number(next.email_consent);
    next.sms_consent = Number(next.sms_consent);
    const action = !existing ? 'insert' : sameValues(existing, next) ? 'unchanged' : 'update';
    return { uuid: c.uuid, line: c.line, action, ...next };
  }

  private mergeAttributes(storedJson: string, values: string[]): string {
    const names = this.attributeNames;
    if (storedJson === '{}') {
      // The common case (new accounts): build in name order, nothing to sort.
      const attrs: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) if (values[i] !== '') attrs[names[i]!] = values[i]!;
      return JSON.stringify(attrs);
    }
    const attrs = JSON.parse(storedJson) as Record<string, string>;
    for (let i = 0; i < names.length; i++) {
      if (values[i] === '') delete attrs[names[i]!];
      else attrs[names[i]!] = values[i]!;
    }
    return JSON.stringify(attrs, Object.keys(attrs).sort());
  }
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
