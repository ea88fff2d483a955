// Which CSV column feeds which account field. Headers are matched case-insensitively, with
// spaces and hyphens read as underscores; any other named column becomes an attribute, within
// the limits of attributes per account.
import {
  attributeTooLarge,
  DEFAULT_ATTRIBUTE_LIMITS,
  tooManyAttributeColumns,
  utf8Bytes,
  type AttributeLimits,
} from '../domain/account-attributes.js';
import { CrierError } from '../domain/errors.js';

export type AccountColumn =
  | 'uuid'
  | 'first_name'
  | 'last_name'
  | 'email'
  | 'phone'
  | 'language'
  | 'timezone'
  | 'email_consent'
  | 'sms_consent';

/** Accepted header names per field, the preferred first. */
const HEADER_NAMES: Record<AccountColumn, readonly string[]> = {
  uuid: ['uuid', 'account_uuid', 'account_id', 'id'],
  first_name: ['first_name', 'firstname', 'given_name'],
  last_name: ['last_name', 'lastname', 'surname', 'family_name'],
  email: ['email', 'email_address', 'e_mail'],
  phone: ['phone', 'phone_number', 'mobile', 'mobile_phone'],
  language: ['language', 'lang', 'locale'],
  timezone: ['timezone', 'time_zone', 'tz'],
  email_consent: ['email_consent'],
  sms_consent: ['sms_consent'],
};

export interface ColumnMap {
  /** Field → index of its column; absent when the file has no such column. */
  fields: Partial<Record<AccountColumn, number>>;
  /** Attribute name → index of its column. */
  attributes: [string, number][];
  /** Headers read as neither: a second alias of a field, or a column without a name. */
  ignored: string[];
  width: number;
}

export function normaliseHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
    .replace(/[^\p{L}\p{N}_.]/gu, '');
}

export function mapAccountColumns(header: readonly string[], limits: AttributeLimits = DEFAULT_ATTRIBUTE_LIMITS): ColumnMap {
  const names = header.map(normaliseHeader);
  const fields: ColumnMap['fields'] = {};
  const claimed = new Set<number>();
  const ignored: string[] = [];
  for (const [field, accepted] of Object.entries(HEADER_NAMES) as [AccountColumn, readonly string[]][]) {
    for (const alias of accepted) {
      const at = names.indexOf(alias);
      if (at === -1) continue;
      if (fields[field] === undefined) fields[field] = at;
      else ignored.push(header[at]!);
      claimed.add(at);
      const again = names.indexOf(alias, at + 1);
      if (again !== -1) duplicateColumn(header[at]!, at, again);
    }
  }
  if (fields.uuid === undefined) {
    throw new CrierError(
      'import_missing_column',
      `The header has no account UUID column (looked for ${HEADER_NAMES.uuid.join(', ')}); ` +
        `found: ${header.map((h) => JSON.stringify(h)).join(', ')}. Nothing was imported`,
      { line: 1, header },
    );
  }
  const attributes: [string, number][] = [];
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (claimed.has(i)) return;
    if (name === '') {
      ignored.push(`(column ${i + 1}, no name)`);
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) duplicateColumn(header[i]!, first, i);
    seen.set(name, i);
    attributes.push([name, i]);
  });
  // Refused at the header, before a row is read: each row would carry them all.
  if (attributes.length > limits.maxAttributes) {
    const [name, at] = attributes[limits.maxAttributes]!;
    throw tooManyAttributeColumns(limits, attributes.length, { line: 1, columnNumber: at + 1, name });
  }
  for (const [name, at] of attributes) {
    const bytes = utf8Bytes(name);
    if (bytes > limits.maxAttributeBytes) throw attributeTooLarge(limits, 'name', bytes, { line: 1, columnNumber: at + 1, name });
  }
  return { fields, attributes, ignored, width: header.length };
}

function duplicateColumn(name: string, first: number, second: number): never {
  throw new CrierError(
    'import_malformed',
    `Line 1: the column "${name.trim()}" appears twice (columns ${first + 1} and ${second + 1}); nothing was imported`,
    { line: 1, column: name, columns: [first + 1, second + 1] },
  );
}
