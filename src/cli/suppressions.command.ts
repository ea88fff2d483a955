// `crier suppressions list|add|remove|import`: the suppression list from the command line, in
// this process or (with --api/--token) through a running server as the token's user.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { CLI_ACTOR } from '../domain/actor.js';
import type { SuppressionReason } from '../domain/delivery.js';
import { CrierError } from '../domain/errors.js';
import type { SuppressionImportReport } from '../import/suppressions-csv.js';
import type { Page } from '../services/accounts.service.js';
import type { Store } from '../store/store.js';
import { SUPPRESSION_REASONS, SuppressionsService, type NewManualSuppression, type SuppressionView } from '../services/suppressions.service.js';
import { apiClientFrom, type ApiClient } from './api-client.js';
import { withCliStore } from './cli-app.js';
import { inputFile } from './input-file.js';
import { configFrom, type GlobalOptions } from './main.js';

interface ListOptions {
  q?: string;
  channel?: string;
  reason?: string;
  source?: string;
  page: string;
  pageSize: string;
}

export function registerSuppressionCommands(program: Command): void {
  const suppressions = program.command('suppressions').description('addresses that are never messaged again');
  /** Through the server when --api/--token say so, else on the database with the service. */
  const run = async <T>(viaApi: (api: ApiClient) => Promise<T>, here: (service: SuppressionsService) => Promise<T>): Promise<T> => {
    const global = program.opts<GlobalOptions>();
    const api = apiClientFrom(global);
    if (api) return viaApi(api);
    const config = configFrom(global);
    return withCliStore(config, (store) => here(serviceFor(config, store)));
  };
  const json = () => program.opts<GlobalOptions>().json === true;

  suppressions
    .command('list')
    .description('the suppression list, newest first')
    .option('--q <text>', 'part of the address')
    .option('--channel <channel>', 'email or sms')
    .option('--reason <reason>', SUPPRESSION_REASONS.join(', '))
    .option('--source <prefix>', 'where they came from, e.g. import: or manual')
    .option('--page <n>', 'page', '1')
    .option('--page-size <n>', 'rows a page', '50')
    .action(async (options: ListOptions) => {
      const filter = {
        ...(options.q ? { q: options.q } : {}),
        ...(options.channel ? { channel: channelOf(options.channel) } : {}),
        ...(options.reason ? { reason: reasonOf(options.reason) } : {}),
        ...(options.source ? { source: options.source } : {}),
        page: positive('--page', options.page),
        pageSize: positive('--page-size', options.pageSize),
      };
      const page = await run(
        (api) => api.call('GET /api/suppressions', { query: filter }),
        (service) => service.list(filter),
      );
      console.log(json() ? JSON.stringify(page) : formatList(page));
    });

  suppressions
    .command('add')
    .description('suppress one address by hand')
    .option('--email <address>', 'an email address')
    .option('--phone <number>', 'a phone number (E.164, or national in CRIER_DEFAULT_REGION)')
    .option('--reason <reason>', SUPPRESSION_REASONS.join(', '), 'manual')
    .action(async (options: { email?: string; phone?: string; reason: string }) => {
      if ((options.email === undefined) === (options.phone === undefined)) {
        throw new CrierError('bad_request', 'Give one of --email or --phone');
      }
      const input: NewManualSuppression = {
        channel: options.email !== undefined ? 'email' : 'sms',
        address: (options.email ?? options.phone)!,
        reason: reasonOf(options.reason),
      };
      const added = await run(
        (api) => api.call('POST /api/suppressions', { body: input }),
        (service) => service.add(input, CLI_ACTOR),
      );
      console.log(json() ? JSON.stringify(added) : `Suppressed ${added.channel} ${added.address} (${added.reason}), id ${added.id}`);
    });

  suppressions
    .command('remove')
    .description('lift a suppression: the address may be messaged again')
    .argument('<id>', 'the suppression id (see list)')
    .action(async (id: string) => {
      const n = positive('id', id);
      const lifted = await run(
        (api) => api.call('DELETE /api/suppressions/:id', { params: { id: n } }),
        (service) => service.remove(n, CLI_ACTOR),
      );
      console.log(json() ? JSON.stringify(lifted) : `Lifted the ${lifted.reason} suppression of ${lifted.channel} ${lifted.address}`);
    });

  suppressions
    .command('import')
    .description("import another tool's suppression list; exits 1 if any row was rejected")
    .argument('<file>', 'CSV: an email, phone or address column; optional reason and created/date columns')
    .option('--accept-valid', 'store the valid rows even when others are rejected')
    .option('--reason <reason>', 'for rows without a reason (default unsubscribed, sms_stop for phone numbers)')
    .action(async (file: string, options: { acceptValid?: boolean; reason?: string }) => {
      await inputFile(file);
      const fileName = basename(file);
      const defaultReason = options.reason === undefined ? undefined : reasonOf(options.reason);
      const csv = () => createReadStream(file, { highWaterMark: 256 * 1024 });
      const report = await run(
        (api) => api.call('POST /api/suppressions/import', { query: { acceptValid: options.acceptValid === true, fileName, ...(defaultReason ? { reason: defaultReason } : {}) }, csv: csv() }),
        (service) => service.import(csv(), { acceptValid: options.acceptValid === true, fileName, actor: CLI_ACTOR, ...(defaultReason ? { defaultReason } : {}) }),
      );
      console.log(json() ? JSON.stringify(report) : formatImport(file, report));
      if (report.rejected.length > 0) process.exitCode = 1;
    });
}

function serviceFor(config: Config, store: Store): SuppressionsService {
  return new SuppressionsService({ store, limits: config.imports, defaultRegion: config.defaultRegion });
}

function channelOf(value: string): 'email' | 'sms' {
  if (value === 'email' || value === 'sms') return value;
  throw new CrierError('bad_request', `--channel must be email or sms, not ${JSON.stringify(value)}`);
}

function reasonOf(value: string): SuppressionReason {
  if ((SUPPRESSION_REASONS as readonly string[]).includes(value)) return value as SuppressionReason;
  throw new CrierError('bad_request', `--reason must be one of ${SUPPRESSION_REASONS.join(', ')}, not ${JSON.stringify(value)}`);
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CrierError('bad_request', `${name} must be a positive whole number, not ${JSON.stringify(value)}`);
  return n;
}

export function formatList(page: Page<SuppressionView>): string {
  if (page.items.length === 0) return page.total === 0 ? 'No suppressions' : `No suppressions on page ${page.page} (${page.total} in all)`;
  const lines = page.items.map((s) => `${String(s.id).padStart(8)}  ${s.channel.padEnd(5)}  ${s.address.padEnd(32)}  ${s.reason.padEnd(12)}  ${s.createdAt}  ${s.source ?? ''}`);
  const first = (page.page - 1) * page.pageSize + 1;
  lines.push(`${first}–${first + page.items.length - 1} of ${page.total}`);
  return lines.join('\n');
}

export function formatImport(file: string, r: SuppressionImportReport): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [
    `${file}: ${n(r.rowsRead)} rows read (delimiter ${JSON.stringify(r.delimiter)}, addresses from "${r.columns.address}")`,
    r.applied
      ? `  ${n(r.added)} added, ${n(r.alreadySuppressed)} already suppressed, ${n(r.duplicates)} duplicates, ${n(r.rejected.length)} rejected`
      : `  nothing stored: ${n(r.rejected.length)} rows rejected (--accept-valid stores the valid ones)`,
  ];
  if (r.columns.ignored.length > 0) lines.push(`  ignored columns: ${r.columns.ignored.join(', ')}`);
  if (r.rejected.length > 0) {
    lines.push('Rejected:');
    for (const x of r.rejected) lines.push(`  line ${x.line}, ${x.field}: ${JSON.stringify(x.value)} ${x.reason}`);
  }
  return lines.join('\n');
}
