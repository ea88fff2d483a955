// Upserts accounts from a CSV stream. Rows are validated as they arrive and staged in a table of
// the import's own; nothing touches the accounts until the whole file has been read, and then
// every valid row is applied in one transaction together with its audit entry.
import { availableParallelism } from 'node:os';
import type { CountryCode } from 'libphonenumber-js';
import { DEFAULT_ATTRIBUTE_LIMITS, type AttributeLimits } from '../domain/account-attributes.js';
import type { Actor } from '../domain/actor.js';
import {
  applyStage,
  createStage,
  directoryIsEmpty,
  dropStage,
  existingAccounts,
  stageNewAccounts,
  stageRecord,
  stageRows,
  type AccountValues,
  type StageRecord,
} from '../store/account-import.queries.js';
import { recordAudit } from '../store/audit.queries.js';
import { isUniqueViolation, type Connection, type Store } from '../store/store.js';
import { CrierError } from '../domain/errors.js';
import { mapAccountColumns } from './account-columns.js';
import { AccountRowReader, type RejectedRow } from './account-rows.js';
import { AccountParserThread } from './account-parser.js';
import { CandidateBatch } from './candidate-codec.js';
import type { CsvLimits, CsvSource } from './csv-reader.js';
import { UuidLineTable } from './uuid-line-table.js';

export type { RejectedRow, RejectReason } from './account-rows.js';

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
  /** How much each account may carry in attributes (DEFAULT_ATTRIBUTE_LIMITS when not given). */
  attributeLimits?: AttributeLimits;
}

export interface AccountImportOptions {
  /** Apply nothing if any row is rejected. */
  allOrNothing?: boolean;
  actor: Actor;
  /** The upload's size in bytes, when known: room for its rows is then made once, not by steps. */
  expectedBytes?: number;
}

export async function importAccounts(
  deps: AccountImportDeps,
  source: CsvSource,
  options: AccountImportOptions,
): Promise<AccountImportReport> {
  const { store } = deps;
  return store.dedicated(async (conn) => {
    // The import writes the accounts' uuid index in UUID order or builds it anew (see
    // applyStage): a page cache of 8 MiB serves either as well as a larger one (a million new
    // accounts in UUID order: 5.6 s with 8 MiB, 5.8 s with 16 MiB), and the memory is better
    // spent elsewhere.
    conn.sqlite?.pragma('cache_size = -8192');
    // Either way costs a sort (of the stage, or of the index's keys), and SQLite sorts a large set
    // on helper threads when allowed: the import's other thread has finished by then, so its
    // core is free.
    conn.sqlite?.pragma(`threads = ${SORT_THREADS}`);
    await createStage(conn.db);
    try {
      return await runImport(conn, deps, source, options);
    } finally {
      await dropStage(conn.db);
    }
  });
}

async function runImport(
  conn: Connection,
  deps: AccountImportDeps,
  source: CsvSource,
  options: AccountImportOptions,
): Promise<AccountImportReport> {
  const rejected: RejectedRow[] = [];
  const rejectedLines = new Set<number>();
  const counts = { rowsRead: 0, insert: 0, update: 0, unchanged: 0 };
  let columns: ReturnType<typeof mapAccountColumns> | undefined;
  let reader: AccountRowReader | undefined;
  let delimiter = ',';
  const seen = new UuidLineTable();
  // Into an empty directory every row is a new account: no batch needs looking up. (An account
  // another import adds meanwhile makes the final INSERT fail, and this import changes nothing.)
  const lookUp = !(await directoryIsEmpty(conn.db));

  const reject = (r: RejectedRow) => {
    rejected.push(r);
    rejectedLines.add(r.line);
  };

  const stage = async (batch: CandidateBatch) => {
    const existing = lookUp ? await existingAccounts(conn, uuidsOf(batch)) : NONE;
    const created: unknown[] = [];
    const changed: StageRecord[] = [];
    for (let row = 0; row < batch.count; row++) {
      const uuid = batch.uuid(row);
      const earlier = seen.add(uuid, batch.line(row));
      if (earlier !== 0) {
        reject({
          line: batch.line(row),
          column: 'uuid',
          value: uuid,
          reason: 'duplicate',
          message: `duplicate of line ${earlier}`,
        });
        continue;
      }
      const stored = existing.get(uuid);
      if (!stored) {
        counts.insert++;
        reader!.newAccount(batch, row, created);
        continue;
      }
      const merged = reader!.merge(batch.candidate(row), stored);
      counts[merged.action]++;
      // Unchanged rows need no writing.
      if (merged.action !== 'unchanged') changed.push(stageRecord(merged));
    }
    await stageNewAccounts(conn, created);
    await stageRows(conn, changed);
  };

  // Parsing and validation run on a thread of their own while this one does the database work.
  const attributeLimits = deps.attributeLimits ?? DEFAULT_ATTRIBUTE_LIMITS;
  const parser = new AccountParserThread(deps.limits, deps.defaultRegion, attributeLimits);
  const feeding = parser.feed(source).catch((err: Error) => parser.fail(err));
  try {
    for await (const batch of parser.batches()) {
      if (!reader) {
        columns = mapAccountColumns(parser.header!.header, attributeLimits);
        reader = new AccountRowReader(columns, deps.defaultRegion, attributeLimits);
        delimiter = parser.header!.delimiter;
      }
      // The first batch is the first chunk's rows: from it, how many rows the whole file holds.
      if (counts.rowsRead === 0 && options.expectedBytes && parser.firstChunkBytes > 0) {
        const estimate = (options.expectedBytes / parser.firstChunkBytes) * batch.rowsRead * RESERVE_MARGIN;
        seen.reserve(Math.ceil(Math.min(estimate, options.expectedBytes / MIN_ROW_BYTES)));
      }
      counts.rowsRead += batch.rowsRead;
      for (const r of batch.rejected) reject(r);
      await stage(new CandidateBatch(batch.candidates));
    }
    await feeding;
  } finally {
    await parser.close();
  }

  const applied = !(options.allOrNothing && rejected.length > 0);
  if (applied) {
    await conn.db
      .transaction()
      .execute(async (trx) => {
        await applyStage(trx, conn.dialect, Date.now(), counts.insert);
        await recordAudit(trx, options.actor, {
          action: 'accounts.imported',
          targetType: 'accounts',
          summary:
            `Imported ${counts.rowsRead} rows: ${counts.insert} inserted, ${counts.update} updated, ` +
            `${counts.unchanged} unchanged, ${rejectedLines.size} rejected`,
          details: {
            rowsRead: counts.rowsRead,
            inserted: counts.insert,
            updated: counts.update,
            rejected: rejectedLines.size,
          },
        });
      })
      .catch((err: unknown) => {
        if (!isUniqueViolation(err)) throw err;
        throw new CrierError(
          'conflict',
          'Some accounts of this file were added by another import while this one ran; nothing was imported. ' +
            'Import the file again: those accounts will be updated',
        );
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

const NONE = new Map<string, AccountValues>();
/** Helper threads for SQLite's sort in the final apply: the cores besides this one, up to 4. */
const SORT_THREADS = Math.max(1, Math.min(4, availableParallelism() - 1));
/** Rows vary in length: room for a few more than the first chunk's average suggests. */
const RESERVE_MARGIN = 1.05;
/** No row is shorter than a UUID and a line end. */
const MIN_ROW_BYTES = 37;

function uuidsOf(batch: CandidateBatch): string[] {
  const uuids = new Array<string>(batch.count);
  for (let row = 0; row < batch.count; row++) uuids[row] = batch.uuid(row);
  return uuids;
}
