// An existing suppression list, as another tool exports it (Mailchimp, SendGrid, Mailgun, Twilio):
// a header row, one address column (email, phone or either), an optional reason and date. Rows are
// read and checked as they arrive; nothing is written until the whole file has been read, and
// then every new address goes in at once, with one audit row for the import.
import type { CountryCode } from 'libphonenumber-js';
import type { Actor } from '../domain/actor.js';
import type { AudienceChannel } from '../domain/audience.js';
import { normaliseEmail, PhoneNormaliser } from '../domain/account-fields.js';
import type { SuppressionReason } from '../domain/delivery.js';
import { CrierError } from '../domain/errors.js';
import { insertImported, type NewSuppressionRow } from '../store/suppressions.queries.js';
import type { Store } from '../store/store.js';
import { readCsv, type CsvLimits, type CsvSource } from './csv-reader.js';

export interface SuppressionImportReport {
  rowsRead: number;
  /** Addresses this import suppressed. */
  added: number;
  /** Addresses of the file that were suppressed before it (they keep their first reason). */
  alreadySuppressed: number;
  /** Rows naming an address an earlier row of the file named (the earlier row's reason counts). */
  duplicates: number;
  rejected: SuppressionRejection[];
  /** False when nothing was stored: rows were rejected and `acceptValid` was not given. */
  applied: boolean;
  delimiter: string;
  /** The file's own header names: the address column read, the reason and date columns if any, the rest. */
  columns: { address: string; reason: string | null; created: string | null; ignored: string[] };
  source: string;
}

export interface SuppressionRejection {
  line: number;
  /** The column, as the file's header names it. */
  field: string;
  value: string;
  reason: string;
}

export interface SuppressionImportDeps {
  store: Store;
  limits: CsvLimits;
  defaultRegion: CountryCode;
  now: () => number;
}

export interface SuppressionImportOptions {
  /** Store the valid rows even when others are rejected (else a rejected row stores nothing). */
  acceptValid?: boolean;
  /** The reason of rows whose reason cell is empty (or of a file without one): else unsubscribed, or sms_stop for phone numbers. */
  defaultReason?: SuppressionReason;
  /** The uploaded file's name, kept as the rows' source `import:<name>` (`import:upload` without one). */
  fileName?: string;
  actor: Actor;
}

/** Header names, compared in lower case with `_`, `-` and runs of spaces as one space. */
const ADDRESS_HEADERS = ['address', 'recipient', 'email or phone', 'contact'];
const EMAIL_HEADERS = ['email', 'email address', 'e mail', 'e mail address', 'emailaddress', 'mail'];
const PHONE_HEADERS = ['phone', 'phone number', 'phonenumber', 'mobile', 'mobile number', 'mobile phone', 'msisdn', 'number', 'sms'];
const REASON_HEADERS = ['reason', 'suppression reason', 'suppression type', 'suppression'];
const CREATED_HEADERS = ['created', 'created at', 'date', 'created date', 'date added', 'timestamp', 'suppressed at', 'unsub time', 'clean time'];

/** What other tools call each reason, in the same spelling as the headers. */
const REASON_NAMES: Record<string, SuppressionReason> = {};
for (const [reason, names] of Object.entries({
  hard_bounce: ['hard bounce', 'hardbounce', 'bounce', 'bounced', 'bounces', 'hard bounced', 'cleaned', 'invalid', 'invalid email', 'invalid number'],
  complaint: ['complaint', 'complaints', 'complained', 'spam', 'spam report', 'spamreport', 'spam reports', 'spam complaint', 'abuse'],
  unsubscribed: ['unsubscribed', 'unsubscribe', 'unsubscribes', 'unsub', 'opt out', 'opted out', 'optout', 'global unsubscribe', 'group unsubscribe'],
  sms_stop: ['sms stop', 'stop', 'stopped', 'sms opt out', 'opted out by sms'],
  manual: ['manual', 'manually added', 'manually', 'admin', 'blocked', 'block', 'blocklist', 'blacklist', 'do not contact', 'suppressed'],
} satisfies Record<SuppressionReason, string[]>)) {
  REASON_NAMES[reason.replace('_', ' ')] = reason as SuppressionReason;
  for (const name of names) REASON_NAMES[name] = reason as SuppressionReason;
}

const spelling = (text: string) => text.trim().toLowerCase().replace(/[_\-\s]+/g, ' ');

/**
 * A reason cell as a suppression reason, or a string saying why it is not one. Bounce exports
 * give the receiving server's answer as the reason ("550 5.1.1 No such user"): a permanent (5xx)
 * answer is a hard bounce, a temporary (4xx) one no reason to suppress.
 */
export function parseReason(cell: string): SuppressionReason | string {
  const known = REASON_NAMES[spelling(cell)];
  if (known) return known;
  if (/^\s*5\d\d\b/.test(cell) || /(^|\s)5\.\d{1,3}\.\d{1,3}\b/.test(cell)) return 'hard_bounce';
  if (/^\s*4\d\d\b/.test(cell) || /(^|\s)4\.\d{1,3}\.\d{1,3}\b/.test(cell)) return 'a temporary failure (4xx) is no reason to suppress';
  return 'unknown reason: use hard_bounce, complaint, unsubscribed, sms_stop or manual';
}

/** Seconds or milliseconds since 1970, an ISO 8601 date (UTC when it names no zone) or an RFC 2822 date. */
export function parseCreated(cell: string, now: number): number | string {
  const v = cell.trim();
  let at: number;
  if (/^\d{9,10}(\.\d+)?$/.test(v)) at = Math.round(Number(v) * 1000);
  else if (/^\d{12,13}$/.test(v)) at = Number(v);
  else at = Date.parse(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v) ? `${v.replace(' ', 'T')}Z` : v);
  if (Number.isNaN(at)) return 'not a date: use 2024-05-31, 2024-05-31T14:05:00Z or seconds since 1970';
  if (at > now + DAY) return 'a date in the future';
  return at;
}

const DAY = 24 * 60 * 60 * 1000;

interface Columns {
  address: number;
  addressKind: AudienceChannel | 'either';
  reason: number;
  created: number;
  names: string[];
}

function mapColumns(header: string[]): Columns {
  const spelt = header.map(spelling);
  const find = (names: string[]) => spelt.findIndex((h) => names.includes(h));
  const either = find(ADDRESS_HEADERS);
  const email = find(EMAIL_HEADERS);
  const phone = find(PHONE_HEADERS);
  // One address a row: a file with an email and a phone column (a newsletter export with a phone
  // field) suppresses the emails only; the phone column is reported as ignored.
  const [address, addressKind] = either !== -1 ? [either, 'either' as const] : email !== -1 ? [email, 'email' as const] : [phone, 'sms' as const];
  if (address === -1) {
    throw new CrierError(
      'import_missing_column',
      `The file has no address column: name one "email", "phone" or "address" (its header row has ${header.map((h) => JSON.stringify(h)).join(', ')}); nothing was imported`,
      { found: header },
    );
  }
  return { address, addressKind, reason: find(REASON_HEADERS), created: find(CREATED_HEADERS), names: header };
}

export async function importSuppressions(
  deps: SuppressionImportDeps,
  source: CsvSource,
  options: SuppressionImportOptions,
): Promise<SuppressionImportReport> {
  const now = deps.now();
  const phones = new PhoneNormaliser(deps.defaultRegion);
  const sourceName = `import:${options.fileName?.trim() || 'upload'}`;
  const rejected: SuppressionRejection[] = [];
  const seen = new Set<string>();
  const rows: NewSuppressionRow[] = [];
  let columns: Columns | undefined;
  let delimiter = ',';
  let rowsRead = 0;
  let duplicates = 0;

  for await (const batch of readCsv(source, deps.limits, (start) => {
    columns = mapColumns(start.header.fields);
    delimiter = start.delimiter;
  })) {
    const c = columns!;
    for (const { line, fields } of batch) {
      rowsRead++;
      const reject = (column: number, reason: string) => rejected.push({ line, field: c.names[column]!, value: fields[column] ?? '', reason });
      const raw = (fields[c.address] ?? '').trim();
      if (raw === '') {
        reject(c.address, 'no address');
        continue;
      }
      const channel: AudienceChannel = c.addressKind === 'either' ? (raw.includes('@') ? 'email' : 'sms') : c.addressKind;
      const address = channel === 'email' ? normaliseEmail(raw) : phones.normalise(raw);
      if (address === null) {
        reject(c.address, channel === 'email' ? 'not a valid email address' : `not a valid phone number (region ${deps.defaultRegion} when it has no country code)`);
        continue;
      }
      const reasonCell = c.reason === -1 ? '' : (fields[c.reason] ?? '').trim();
      const reason = reasonCell === '' ? (options.defaultReason ?? (channel === 'email' ? 'unsubscribed' : 'sms_stop')) : parseReason(reasonCell);
      if (!isReason(reason)) {
        reject(c.reason, reason);
        continue;
      }
      if (reason === 'sms_stop' && channel === 'email') {
        reject(c.reason === -1 ? c.address : c.reason, 'sms_stop is for phone numbers, not email addresses');
        continue;
      }
      const createdCell = c.created === -1 ? '' : (fields[c.created] ?? '').trim();
      const createdAt = createdCell === '' ? now : parseCreated(createdCell, now);
      if (typeof createdAt === 'string') {
        reject(c.created, createdAt);
        continue;
      }
      const key = `${channel} ${address}`;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      rows.push({ channel, address, reason, source: sourceName, createdAt });
    }
  }

  const c = columns!;
  const applied = rejected.length === 0 || options.acceptValid === true;
  let added = 0;
  if (applied && rows.length > 0) {
    added = await insertImported(
      deps.store,
      rows,
      options.actor,
      (n) => ({
        summary: `Imported a suppression list (${sourceName}): ${rowsRead} rows read, ${n} added, ${rows.length - n} already suppressed, ${duplicates} duplicates, ${rejected.length} rejected`,
        details: { source: sourceName, rowsRead, added: n, alreadySuppressed: rows.length - n, duplicates, rejected: rejected.length, byReason: countReasons(rows) },
      }),
      now,
    );
  }
  return {
    rowsRead,
    added,
    alreadySuppressed: applied ? rows.length - added : 0,
    duplicates,
    rejected,
    applied,
    delimiter,
    columns: {
      address: c.names[c.address]!,
      reason: c.reason === -1 ? null : c.names[c.reason]!,
      created: c.created === -1 ? null : c.names[c.created]!,
      ignored: c.names.filter((_, i) => i !== c.address && i !== c.reason && i !== c.created),
    },
    source: sourceName,
  };
}

const REASONS = new Set<string>(['hard_bounce', 'complaint', 'unsubscribed', 'sms_stop', 'manual'] satisfies SuppressionReason[]);

function isReason(value: string): value is SuppressionReason {
  return REASONS.has(value);
}

function countReasons(rows: readonly NewSuppressionRow[]): Partial<Record<SuppressionReason, number>> {
  const counts: Partial<Record<SuppressionReason, number>> = {};
  for (const r of rows) counts[r.reason] = (counts[r.reason] ?? 0) + 1;
  return counts;
}
