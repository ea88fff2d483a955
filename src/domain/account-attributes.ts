// How much an account may carry in free attributes. They come from a CSV's extra columns, are
// stored with the account and read at every send: without bounds, one 50,000-column header made
// every account of its file a 600 KB row, and a page of the directory a 124 MB answer.
import { CrierError } from './errors.js';

export interface AttributeLimits {
  /** Attributes one account may have. */
  maxAttributes: number;
  /** UTF-8 bytes of one attribute's name, or of its value. */
  maxAttributeBytes: number;
  /** UTF-8 bytes of all of one account's attribute names and values together. */
  maxTotalBytes: number;
}

/** The settings that configure each limit (src/config.ts), named in every refusal. */
export const ATTRIBUTE_LIMIT_SETTINGS: Record<keyof AttributeLimits, string> = {
  maxAttributes: 'CRIER_ACCOUNT_MAX_ATTRIBUTES',
  maxAttributeBytes: 'CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES',
  maxTotalBytes: 'CRIER_ACCOUNT_MAX_ATTRIBUTES_TOTAL_BYTES',
};

export const DEFAULT_ATTRIBUTE_LIMITS: Readonly<AttributeLimits> = Object.freeze({
  maxAttributes: 100,
  maxAttributeBytes: 1024,
  maxTotalBytes: 8192,
});

/** Where in the file: line, and the column by number and attribute name. */
export interface AttributeCell {
  line: number;
  /** 1-based, as a spreadsheet counts. */
  columnNumber: number;
  name: string;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * A bound on a text's UTF-8 bytes that needs no counting: a UTF-16 unit is at most 3 bytes (a
 * surrogate pair, 2 units, is 4). Exact counts are taken only when this bound is over a limit.
 */
export function utf8BytesAtMost(text: string): number {
  return text.length * 3;
}

/** One attribute's bytes as counted against the account's total: its name and its value. */
export function attributeBytes(name: string, value: string): number {
  return utf8Bytes(name) + utf8Bytes(value);
}

export function tooManyAttributeColumns(
  limits: AttributeLimits,
  count: number,
  first: AttributeCell,
): CrierError {
  const setting = ATTRIBUTE_LIMIT_SETTINGS.maxAttributes;
  return new CrierError(
    'import_too_many_attributes',
    `Line 1: the file has ${count} attribute columns, more than the ${limits.maxAttributes} an account may have (${setting}); ` +
      `column ${first.columnNumber} ${JSON.stringify(shown(first.name))} is the first beyond it. Nothing was imported`,
    {
      line: 1,
      column: first.name,
      columnNumber: first.columnNumber,
      setting,
      limit: limits.maxAttributes,
      count,
    },
  );
}

export function tooManyAttributesOnAccount(
  limits: AttributeLimits,
  uuid: string,
  count: number,
  at: AttributeCell,
): CrierError {
  const setting = ATTRIBUTE_LIMIT_SETTINGS.maxAttributes;
  return new CrierError(
    'import_too_many_attributes',
    `${where(at)}: account ${uuid} would have ${count} attributes with those it keeps from earlier imports, ` +
      `more than the ${limits.maxAttributes} an account may have (${setting}); nothing was imported`,
    {
      line: at.line,
      column: at.name,
      columnNumber: at.columnNumber,
      uuid,
      setting,
      limit: limits.maxAttributes,
      count,
    },
  );
}

export function attributeTooLarge(
  limits: AttributeLimits,
  part: 'name' | 'value',
  bytes: number,
  at: AttributeCell,
): CrierError {
  const setting = ATTRIBUTE_LIMIT_SETTINGS.maxAttributeBytes;
  const what = part === 'name' ? 'the attribute name' : 'the value';
  return new CrierError(
    'import_attributes_too_large',
    `${where(at)}: ${what} is ${bytes} bytes, more than the ${limits.maxAttributeBytes} an attribute's ${part} may have ` +
      `(${setting}); nothing was imported`,
    {
      line: at.line,
      column: at.name,
      columnNumber: at.columnNumber,
      setting,
      limit: limits.maxAttributeBytes,
      bytes,
    },
  );
}

export function attributesTooLarge(
  limits: AttributeLimits,
  bytes: number,
  at: AttributeCell,
  uuid?: string,
): CrierError {
  const setting = ATTRIBUTE_LIMIT_SETTINGS.maxTotalBytes;
  const whose = uuid
    ? `account ${uuid}'s attributes would come to ${bytes} bytes (names and values) with those it keeps from earlier imports`
    : `the row's attributes come to ${bytes} bytes (names and values) up to this column`;
  return new CrierError(
    'import_attributes_too_large',
    `${where(at)}: ${whose}, more than the ${limits.maxTotalBytes} an account may have (${setting}); nothing was imported`,
    {
      line: at.line,
      column: at.name,
      columnNumber: at.columnNumber,
      ...(uuid ? { uuid } : {}),
      setting,
      limit: limits.maxTotalBytes,
      bytes,
    },
  );
}

function where(at: AttributeCell): string {
  return `Line ${at.line}, column ${at.columnNumber} ${JSON.stringify(shown(at.name))}`;
}

const SHOWN_NAME_CHARS = 40;

/** A name as shown in a message: a long one cut short (the error says how long it is). */
function shown(name: string): string {
  return name.length > SHOWN_NAME_CHARS ? `${name.slice(0, SHOWN_NAME_CHARS)}…` : name;
}
