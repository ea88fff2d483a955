// The suppression list as operators manage it, for the HTTP API and the command line: browse,
// add an address by hand, lift one, import another tool's list. Every change is audited.
import type { CountryCode } from 'libphonenumber-js';
import type { Actor } from '../domain/actor.js';
import type { AudienceChannel } from '../domain/audience.js';
import { normaliseEmail, PhoneNormaliser } from '../domain/account-fields.js';
import type { SuppressionReason } from '../domain/delivery.js';
import { CrierError } from '../domain/errors.js';
import type { CsvLimits, CsvSource } from '../import/csv-reader.js';
import type { ImportJobs } from '../import/import-thread.js';
import { importSuppressions, type SuppressionImportOptions, type SuppressionImportReport } from '../import/suppressions-csv.js';
import type { Store } from '../store/store.js';
import {
  deleteSuppression,
  findSuppression,
  insertSuppression,
  listSuppressions,
  type SuppressionFilter,
  type SuppressionRow,
} from '../store/suppressions.queries.js';
import type { Page } from './accounts.service.js';

export const SUPPRESSION_REASONS = ['unsubscribed', 'hard_bounce', 'complaint', 'sms_stop', 'manual'] as const satisfies readonly SuppressionReason[];

export interface SuppressionView {
  id: number;
  channel: AudienceChannel;
  address: string;
  reason: SuppressionReason;
  source: string | null;
  createdAt: string;
}

export interface NewManualSuppression {
  channel: AudienceChannel;
  address: string;
  reason?: SuppressionReason;
}

export function toSuppressionView(row: SuppressionRow): SuppressionView {
  return {
    id: Number(row.id),
    channel: row.channel as AudienceChannel,
    address: row.address,
    reason: row.reason as SuppressionReason,
    source: row.source,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}

export interface SuppressionsServiceDeps {
  store: Store;
  limits: CsvLimits;
  defaultRegion: CountryCode;
  /** Where imports run for the server: on a thread of their own (import-thread.ts). Else on this one. */
  jobs?: ImportJobs;
  now?: () => number;
}

export class SuppressionsService {
  private readonly phones: PhoneNormaliser;
  private readonly now: () => number;

  constructor(private readonly deps: SuppressionsServiceDeps) {
    this.phones = new PhoneNormaliser(deps.defaultRegion);
    this.now = deps.now ?? Date.now;
  }

  async list(filter: SuppressionFilter): Promise<Page<SuppressionView>> {
    const { rows, total } = await listSuppressions(this.deps.store.db, filter);
    return { items: rows.map(toSuppressionView), page: filter.page, pageSize: filter.pageSize, total };
  }

  /** Suppresses one address (normalised as accounts' are); a conflict when it already is suppressed. */
  async add(input: NewManualSuppression, actor: Actor): Promise<SuppressionView> {
    const reason = input.reason ?? 'manual';
    const address = this.normalise(input.channel, input.address);
    if (reason === 'sms_stop' && input.channel === 'email') {
      throw invalid('reason', 'sms_stop is for phone numbers: use unsubscribed, complaint, hard_bounce or manual for an email address');
    }
    const { db } = this.deps.store;
    const row = await insertSuppression(
      db,
      { channel: input.channel, address, reason, source: 'manual', createdAt: this.now() },
      actor,
      `Suppressed ${input.channel} ${address} by hand (${reason})`,
    );
    if (row) return toSuppressionView(row);
    const existing = await findSuppression(db, input.channel, address);
    throw new CrierError('conflict', `${address} is already suppressed${existing ? ` (${existing.reason}, since ${new Date(Number(existing.created_at)).toISOString()})` : ''}`, {
      existing: existing ? toSuppressionView(existing) : null,
    });
  }

  /** Lifts one suppression: that address may be messaged again. */
  async remove(id: number, actor: Actor): Promise<SuppressionView> {
    const row = await deleteSuppression(this.deps.store.db, id, actor, this.now(), (r) => `Lifted the ${r.reason} suppression of ${r.channel} ${r.address} by hand`);
    if (!row) throw new CrierError('not_found', `No suppression with id ${id}`, { id });
    return toSuppressionView(row);
  }

  import(source: CsvSource, options: SuppressionImportOptions): Promise<SuppressionImportReport> {
    const { jobs } = this.deps;
    return jobs ? jobs.suppressions(source, options, this.now()) : importSuppressions({ ...this.deps, now: this.now }, source, options);
  }

  private normalise(channel: AudienceChannel, raw: string): string {
    if (channel === 'email') {
      const email = normaliseEmail(raw);
      if (email === null) throw invalid('address', `"${raw}" is not a valid email address`);
      return email;
    }
    const phone = this.phones.normalise(raw);
    if (phone === null) throw invalid('address', `"${raw}" is not a valid phone number (region ${this.deps.defaultRegion} when it has no country code)`);
    return phone;
  }
}

/** A 400 naming the field, in the shape request validation gives. */
function invalid(field: string, problem: string): CrierError {
  return new CrierError('validation_failed', `${field}: ${problem}`, [{ field, problem }]);
}
