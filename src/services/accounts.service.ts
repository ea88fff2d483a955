// The accounts directory as the HTTP API and the command line see it.
import type { CountryCode } from 'libphonenumber-js';
import type { AttributeLimits } from '../domain/account-attributes.js';
import { CrierError } from '../domain/errors.js';
import { importAccounts, type AccountImportOptions, type AccountImportReport } from '../import/accounts-import.js';
import type { CsvLimits, CsvSource } from '../import/csv-reader.js';
import type { ImportJobs } from '../import/import-thread.js';
import { findAccountByUuid, searchAccounts, type AccountListRow, type AccountRow } from '../store/accounts.queries.js';
import type { Store } from '../store/store.js';

/** An account in a list: everything but its attributes (those are on its own page). */
export type AccountSummary = Omit<AccountView, 'attributes'>;

export interface AccountView {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
  timezone: string | null;
  consent: { email: boolean; sms: boolean };
  attributes: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export function toAccountSummary(row: AccountListRow): AccountSummary {
  return {
    id: row.uuid,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    language: row.language,
    timezone: row.timezone,
    consent: { email: Number(row.email_consent) === 1, sms: Number(row.sms_consent) === 1 },
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function toAccountView(row: AccountRow): AccountView {
  return { ...toAccountSummary(row), attributes: JSON.parse(row.attributes) as Record<string, string> };
}

export interface AccountsServiceDeps {
  store: Store;
  limits: CsvLimits;
  defaultRegion: CountryCode;
  attributeLimits: AttributeLimits;
  onImport?: (r: AccountImportReport) => void;
  /** Where imports run when this thread must stay free (the server); without it, on this thread. */
  jobs?: ImportJobs;
}

export class AccountsService {
  constructor(private readonly deps: AccountsServiceDeps) {}

  async import(source: CsvSource, options: AccountImportOptions): Promise<AccountImportReport> {
    const { jobs } = this.deps;
    const report = jobs ? await jobs.accounts(source, options) : await importAccounts(this.deps, source, options);
    this.deps.onImport?.(report);
    return report;
  }

  async search(q: string | undefined, page: number, pageSize = 50): Promise<Page<AccountSummary>> {
    const { store } = this.deps;
    const { rows, total } = await searchAccounts(store.db, store.dialect, { q, page, pageSize });
    return { items: rows.map(toAccountSummary), page, pageSize, total };
  }

  async get(uuid: string): Promise<AccountView> {
    const row = await findAccountByUuid(this.deps.store.db, uuid);
    if (!row) throw new CrierError('not_found', `No account with UUID ${uuid}`, { id: uuid });
    return toAccountView(row);
  }
}
