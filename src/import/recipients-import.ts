// Attaches a recipients CSV to a draft communication (DESIGN.md §5 step 3). Only the UUID column
// is read. The file is read first: cells that are not UUIDs and repeated UUIDs are rejected as
// they stream in, the others kept in a packed table. The table is then matched against the
// accounts directory a batch at a time (looked up by UUID, or, when the file names a good part of
// the directory, read front to back) and each account judged reachable or not. The draft's
// recipients are replaced in one transaction at the end, so a fatal error changes nothing.
import type { Actor } from '../domain/actor.js';
import { normaliseUuid } from '../domain/account-fields.js';
import { CrierError } from '../domain/errors.js';
import { unreachableDetail } from '../domain/reachability.js';
import { recordAudit } from '../store/audit.queries.js';
import {
  accountsAfter,
  accountsByUuid,
  communicationStatus,
  createRecipientStage,
  directorySize,
  DRAFT,
  dropRecipientStage,
  firstStagedRejections,
  replaceRecipients,
  stageAccepted,
  stageRejected,
  type RecipientAccount,
} from '../store/recipients.queries.js';
import type { Connection, Db, Store } from '../store/store.js';
import { normaliseHeader } from './account-columns.js';
import { readCsv, type CsvLimits, type CsvSource } from './csv-reader.js';
import { UuidLineTable } from './uuid-line-table.js';

export type RecipientRejectReason = 'not_a_uuid' | 'unknown_account' | 'duplicate' | 'no_reachable_channel';

export interface RecipientRejection {
  line: number;
  /** The cell as written when it is not a UUID; otherwise the UUID in canonical (lower-case) form. */
  value: string;
  reason: RecipientRejectReason;
  detail: string;
}

export interface RecipientsReport {
  rowsRead: number;
  /** Rows naming a known, reachable account: the recipients, once `applied`. */
  accepted: number;
  /** The first REPORTED_REJECTIONS rejected rows by line; the rejections CSV has them all. */
  rejected: RecipientRejection[];
  rejectedCount: number;
  /** False when nothing was written: all-or-nothing with rejected rows. */
  applied: boolean;
  byReason: Record<RecipientRejectReason, number>;
}

export interface RecipientsImportDeps {
  store: Store;
  limits: CsvLimits;
}

export interface RecipientsImportOptions {
  /** Change nothing if any row is rejected. */
  allOrNothing?: boolean;
  actor: Actor;
}

/** A report is read by a person: past this many rows the downloadable CSV is the place to look. */
export const REPORTED_REJECTIONS = 1000;

/** Accepted header names of the UUID column, the preferred first. */
const UUID_HEADERS = ['uuid', 'account_uuid', 'account_id', 'id'] as const;
const LOOKUP_BATCH = 5000;
const SCAN_BATCH = 20_000;
/**
 * Read the whole directory rather than look UUIDs up once the file names at least one account in
 * this many: a row read in order costs under half of one sought by UUID.
 */
const SCAN_WHEN_ONE_IN = 3;
const STAGE_BATCH = 5000;
const SHOWN_VALUE_CHARS = 120;

export async function importRecipients(
  deps: RecipientsImportDeps,
  communicationId: number,
  source: CsvSource,
  options: RecipientsImportOptions,
): Promise<RecipientsReport> {
  return deps.store.dedicated(async (conn) => {
    // Refuse early, before reading a large file for a draft that cannot take it.
    await assertDraft(conn.db, communicationId);
    await createRecipientStage(conn.db);
    try {
      return await runImport(conn, deps.limits, communicationId, source, options);
    } finally {
      await dropRecipientStage(conn.db);
    }
  });
}

async function runImport(
  conn: Connection,
  limits: CsvLimits,
  communicationId: number,
  source: CsvSource,
  options: RecipientsImportOptions,
): Promise<RecipientsReport> {
  const upload = new RecipientsUpload(conn);
  await upload.read(source, limits);
  await upload.matchDirectory();
  await upload.rejectUnmatched();
  const applied = !(options.allOrNothing && upload.rejectedCount > 0);
  if (applied) await upload.apply(communicationId, options.actor);
  return upload.report(applied);
}

/** One upload's progress: its counts, its table of UUIDs and the rejections not yet staged. */
class RecipientsUpload {
  rowsRead = 0;
  accepted = 0;
  rejectedCount = 0;
  readonly byReason: Record<RecipientRejectReason, number> = {
    not_a_uuid: 0,
    unknown_account: 0,
    duplicate: 0,
    no_reachable_channel: 0,
  };
  private readonly table = new UuidLineTable();
  private rejections: [number, string, string, string][] = [];

  constructor(private readonly conn: Connection) {}

  /** Reads the whole file: rejects cells that are not UUIDs and repeats, keeps the rest. */
  async read(source: CsvSource, limits: CsvLimits): Promise<void> {
    let uuidAt = -1;
    const csv = readCsv(source, limits, ({ header }) => {
      uuidAt = uuidColumn(header.fields);
    });
    for await (const batch of csv) {
      for (const row of batch) {
        this.rowsRead++;
        const value = row.fields[uuidAt] ?? '';
        const uuid = normaliseUuid(value);
        if (!uuid) {
          await this.reject(row.line, value, 'not_a_uuid', value.trim() === '' ? 'the UUID cell is empty' : 'not a UUID');
          continue;
        }
        const first = this.table.add(uuid, row.line);
        if (first !== 0) await this.reject(row.line, uuid, 'duplicate', `duplicate of line ${first}`);
      }
    }
  }

  /** Finds the file's accounts, reading the whole directory or looking them up, whichever is cheaper. */
  async matchDirectory(): Promise<void> {
    const { conn, table } = this;
    if (table.size * SCAN_WHEN_ONE_IN >= (await directorySize(conn.db))) {
      for (let after = 0; ; ) {
        const accounts = await accountsAfter(conn, after, SCAN_BATCH);
        if (accounts.length === 0) return;
        await this.judge(accounts);
        after = accounts[accounts.length - 1]!.id;
      }
    }
    for (const { uuids } of table.batches(LOOKUP_BATCH)) await this.judge(await accountsByUuid(conn, uuids));
  }

  /** The UUIDs no account matched; then every rejection is staged. */
  async rejectUnmatched(): Promise<void> {
    for (const { uuids, lines } of this.table.batches(STAGE_BATCH, true)) {
      for (let i = 0; i < uuids.length; i++) {
        await this.reject(lines[i]!, uuids[i]!, 'unknown_account', 'no account has this UUID');
      }
    }
    await this.flushRejections();
  }

  /** Swaps the staged recipients in, with the audit row, unless the draft has moved on. */
  async apply(communicationId: number, actor: Actor): Promise<void> {
    const { rowsRead, accepted, rejectedCount, byReason } = this;
    await this.conn.db.transaction().execute(async (trx) => {
      const now = Date.now();
      if (!(await replaceRecipients(trx, communicationId, accepted, now))) {
        await assertDraft(trx, communicationId);
        throw new CrierError('internal', `Communication ${communicationId} could not be updated`);
      }
      await recordAudit(
        trx,
        actor,
        {
          action: 'communication.recipients_uploaded',
          targetType: 'communication',
          targetId: communicationId,
          summary: `Uploaded recipients: ${rowsRead} rows read, ${accepted} accepted, ${rejectedCount} rejected`,
          details: { rowsRead, accepted, rejectedCount, byReason },
        },
        now,
      );
    });
  }

  async report(applied: boolean): Promise<RecipientsReport> {
    const rejected = (await firstStagedRejections(this.conn.db, REPORTED_REJECTIONS)) as RecipientRejection[];
    const { rowsRead, accepted, rejectedCount, byReason } = this;
    return { rowsRead, accepted, rejected, rejectedCount, applied, byReason };
  }

  /** Accounts the file names become recipients unless no channel can reach them. */
  private async judge(accounts: readonly RecipientAccount[]): Promise<void> {
    const rows: [number, number][] = [];
    for (const account of accounts) {
      const line = this.table.match(account.uuid);
      if (line === 0) continue;
      const why = unreachableDetail(
        {
          email: account.email,
          phone: account.phone,
          emailConsent: Number(account.email_consent) === 1,
          smsConsent: Number(account.sms_consent) === 1,
          language: null,
        },
        { email: Number(account.email_suppressed) === 1, sms: Number(account.sms_suppressed) === 1 },
      );
      if (why === null) rows.push([line, account.id]);
      else await this.reject(line, account.uuid, 'no_reachable_channel', why);
    }
    this.accepted += rows.length;
    await stageAccepted(this.conn, rows);
  }

  private async reject(line: number, value: string, reason: RecipientRejectReason, detail: string): Promise<void> {
    this.rejections.push([line, shorten(value), reason, detail]);
    this.byReason[reason]++;
    this.rejectedCount++;
    if (this.rejections.length >= STAGE_BATCH) await this.flushRejections();
  }

  private async flushRejections(): Promise<void> {
    const batch = this.rejections;
    this.rejections = [];
    if (batch.length > 0) await stageRejected(this.conn, batch);
  }
}

/** Throws not_found or invalid_transition (worded as the communications service words them) unless a draft. */
async function assertDraft(db: Db, id: number): Promise<void> {
  const status = Number.isSafeInteger(id) ? await communicationStatus(db, id) : undefined;
  if (status === undefined) throw new CrierError('not_found', `No communication with id ${id}`, { id });
  if (status !== DRAFT) {
    throw new CrierError(
      'invalid_transition',
      `Communication ${id} is ${status.replace('_', ' ')}: only drafts can have their recipients replaced`,
      { id, status },
    );
  }
}

/** The index of the UUID column: the first accepted name present, in order of preference. */
function uuidColumn(header: readonly string[]): number {
  const names = header.map(normaliseHeader);
  for (const name of UUID_HEADERS) {
    const at = names.indexOf(name);
    if (at !== -1) return at;
  }
  // A file of bare UUIDs is a common mistake: its first UUID was taken for the header.
  const hint = header.some((h) => normaliseUuid(h) !== null)
    ? ' The first line holds a UUID: add a header line "account_uuid" above the data.'
    : '';
  throw new CrierError(
    'import_missing_column',
    `The header has no account UUID column (looked for ${UUID_HEADERS.join(', ')}); ` +
      `found: ${header.map((h) => JSON.stringify(h)).join(', ')}. Nothing was imported.${hint}`,
    { line: 1, header },
  );
}

function shorten(value: string): string {
  return value.length > SHOWN_VALUE_CHARS ? `${value.slice(0, SHOWN_VALUE_CHARS)}…` : value;
}
