// Upserts accounts from a CSV stream. Rows are validated as they arrive and staged in a table of
// the import's own; nothing touches the accounts until the whole file has been read, and then
// every valid row is applied in one transaction together with its audit entry.
import type { CountryCode } from 'libphonenumber-js';
import type { Actor } from '../domain/actor.js';
import {
  normaliseEmail,
  normaliseLanguage,
  normaliseTimeZone,
  normaliseUuid,
  parseConsent,
  PhoneNormaliser,
} from '../domain/account-fields.js';
import {
  applyStage,
  createStage,
  dropStage,
  existingAccounts,
  stagedLines,
  stageRows,
  type AccountValues,
  type StagedRow,
} from '../store/account-import.queries.js';
import { recordAudit } from '../store/audit.queries.js';
import type { Db, Store } from '../store/store.js';
import { mapAccountColumns, type AccountColumn, type ColumnMap } from './account-columns.js';
import { readCsv, type CsvLimits, type CsvSource } from './csv-reader.js';
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

export interface AccountImportReport {
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows with at least one problem; `rejected` lists every problem (a row may have several). */
  rejectedRows: number;
  rejected: RejectedRow[];
  /** False when nothing was written: all-or-nothing with rejected rows. */
  applied: boolean;
  delimiter: string;
  columns: { fields: string[]; attributes: string[]; ignored: string[] };
}

export interface AccountImportDeps {
  store: Store;
  limits: CsvLimits;
  defaultRegion: CountryCode;
}

export interface AccountImportOptions {
  /** Apply nothing if any row is rejected. */
  allOrNothing?: boolean;
  actor: Actor;
}

const STAGE_BATCH = 2000;
const SHOWN_VALUE_CHARS = 120;

export async function importAccounts(
  deps: AccountImportDeps,
  source: CsvSource,
  options: AccountImportOptions,
): Promise<AccountImportReport> {
  const { store } = deps;
  return store.dedicated(async (db) => {
    await createStage(db);
    try {
      return await runImport(db, deps, source, options);
    } finally {
      await dropStage(db);
    }
  });
}

async function runImport(
  db: Db,
  deps: AccountImportDeps,
  source: CsvSource,
  options: AccountImportOptions,
): Promise<AccountImportReport> {
  const dialect = deps.store.dialect;
  const phones = new PhoneNormaliser(deps.defaultRegion);
  const rejected: RejectedRow[] = [];
  const rejectedLines = new Set<number>();
  const counts = { rowsRead: 0, insert: 0, update: 0, unchanged: 0 };
  let columns: ColumnMap | undefined;
  let delimiter = ',';
  let pending: Candidate[] = [];

  const reject = (r: RejectedRow) => {
    rejected.push(r);
    rejectedLines.add(r.line);
  };

  const flush = async () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const existing = await existingAccounts(db, dialect, batch.map((c) => c.uuid));
    const staged: StagedRow[] = batch.map((c) => merge(c, existing.get(c.uuid)));
    const stored = await stageRows(db, dialect, staged);
    let kept = staged;
    if (stored < staged.length) {
      // Some UUIDs were staged from earlier lines: those rows are duplicates.
      const first = await stagedLines(db, dialect, staged.map((s) => s.uuid));
      kept = [];
      for (const s of staged) {
        const line = first.get(s.uuid);
        if (line === s.line) kept.push(s);
        else reject(duplicate(s.line, s.uuid, line!));
      }
    }
    for (const s of kept) counts[s.action]++;
  };

  const rows = readCsv(source, deps.limits, ({ header, delimiter: d }) => {
    columns = mapAccountColumns(header.fields);
    delimiter = d;
  });
  for await (const batch of rows) {
    const seenInBatch = new Map<string, number>();
    for (const row of batch) {
      counts.rowsRead++;
      const candidate = validateRow(row, columns!, phones, reject);
      if (!candidate) continue;
      const earlier = seenInBatch.get(candidate.uuid);
      if (earlier !== undefined) {
        reject(duplicate(row.line, candidate.uuid, earlier));
        continue;
      }
      seenInBatch.set(candidate.uuid, row.line);
      pending.push(candidate);
    }
    if (pending.length >= STAGE_BATCH) await flush();
  }
  await flush();

  const applied = !(options.allOrNothing && rejected.length > 0);
  if (applied) {
    await db.transaction().execute(async (trx) => {
      await applyStage(trx, Date.now());
      await recordAudit(trx, options.actor, {
        action: 'accounts.imported',
        targetType: 'accounts',
        summary:
          `Imported ${counts.rowsRead} rows: ${counts.insert} inserted, ${counts.update} updated, ` +
          `${counts.unchanged} unchanged, ${rejectedLines.size} rejected`,
        details: { rowsRead: counts.rowsRead, inserted: counts.insert, updated: counts.update, rejected: rejectedLines.size },
      });
    });
  }
  const map = columns!;
  return {
    rowsRead: counts.rowsRead,
    inserted: applied ? counts.insert : 0,
    updated: applied ? counts.update : 0,
    unchanged: applied ? counts.unchanged : 0,
    rejectedRows: rejectedLines.size,
    rejected: rejected.sort((a, b) => a.line - b.line),
    applied,
    delimiter,
    columns: {
      fields: Object.keys(map.fields),
      attributes: map.attributes.map(([name]) => name),
      ignored: map.ignored,
    },
  };
}

/** A valid row: the fields present in the file, normalised. */
interface Candidate {
  line: number;
  uuid: string;
  values: Partial<Record<Exclude<AccountColumn, 'uuid'>, string | number | null>>;
  attributes: [string, string][];
}

function validateRow(
  row: CsvRow,
  map: ColumnMap,
  phones: PhoneNormaliser,
  reject: (r: RejectedRow) => void,
): Candidate | undefined {
  const { line, fields } = row;
  let ok = true;
  const problem = (column: string | null, value: string | null, reason: RejectReason, message: string) => {
    ok = false;
    reject({ line, column, value: value === null ? null : shorten(value), reason, message });
  };
  if (fields.length > map.width && fields.slice(map.width).some((f) => f.trim() !== '')) {
    problem(null, null, 'too_many_fields', `has ${fields.length} fields but the header has ${map.width}`);
  }
  const cell = (field: AccountColumn): string | undefined => {
    const at = map.fields[field];
    return at === undefined ? undefined : (fields[at] ?? '').trim();
  };

  const rawUuid = cell('uuid')!;
  const uuid = normaliseUuid(rawUuid);
  if (!uuid) problem('uuid', rawUuid, 'invalid_uuid', rawUuid === '' ? 'the UUID is empty' : 'not a UUID');

  const values: Candidate['values'] = {};
  for (const field of ['first_name', 'last_name'] as const) {
    const v = cell(field);
    if (v !== undefined) values[field] = v === '' ? null : v;
  }
  const checks: [Exclude<AccountColumn, 'uuid'>, (v: string) => string | number | null, RejectReason, string][] = [
    ['email', normaliseEmail, 'invalid_email', 'not a valid email address'],
    ['phone', (v) => phones.normalise(v), 'invalid_phone', 'not a valid phone number'],
    ['language', normaliseLanguage, 'invalid_language', 'not a BCP 47 language tag (e.g. en, fr-CA)'],
    ['timezone', normaliseTimeZone, 'invalid_timezone', 'not an IANA time zone (e.g. America/Toronto)'],
    ['email_consent', parseConsent, 'invalid_consent', 'not a yes/no value (yes, no, true, false, 1, 0)'],
    ['sms_consent', parseConsent, 'invalid_consent', 'not a yes/no value (yes, no, true, false, 1, 0)'],
  ];
  for (const [field, normalise, reason, message] of checks) {
    const v = cell(field);
    if (v === undefined) continue;
    if (v === '') {
      // An empty cell clears a contact field; an empty consent cell leaves consent as it was.
      if (!field.endsWith('_consent')) values[field] = null;
      continue;
    }
    const normalised = normalise(v);
    if (normalised === null) problem(field, v, reason, message);
    else values[field] = normalised;
  }
  if (!ok || !uuid) return undefined;
  const attributes = map.attributes.map(([name, at]): [string, string] => [name, (fields[at] ?? '').trim()]);
  return { line, uuid, values, attributes };
}

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

/** The account as it will be after this row: columns absent from the file keep their value. */
function merge(c: Candidate, existing: AccountValues | undefined): StagedRow {
  const base = existing ?? NEW_ACCOUNT;
  const next: AccountValues = { ...base, ...(c.values as Partial<AccountValues>) };
  if (c.attributes.length > 0) {
    const attrs = JSON.parse(base.attributes) as Record<string, string>;
    for (const [name, value] of c.attributes) {
      if (value === '') delete attrs[name];
      else attrs[name] = value;
    }
    next.attributes = JSON.stringify(attrs, Object.keys(attrs).sort());
  }
  next.email_consent = Number(next.email_consent);
  next.sms_consent = Number(next.sms_consent);
  const action = !existing ? 'insert' : sameValues(existing, next) ? 'unchanged' : 'update';
  return { uuid: c.uuid, line: c.line, action, ...next };
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

function duplicate(line: number, uuid: string, firstLine: number): RejectedRow {
  return { line, column: 'uuid', value: uuid, reason: 'duplicate', message: `duplicate of line ${firstLine}` };
}

function shorten(value: string): string {
  return value.length > SHOWN_VALUE_CHARS ? `${value.slice(0, SHOWN_VALUE_CHARS)}…` : value;
}
