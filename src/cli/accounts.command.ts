// `crier accounts import FILE`: upsert accounts from a CSV and print the import report.
import { createReadStream } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { CLI_ACTOR } from '../domain/actor.js';
import type { Config } from '../config.js';
import type { AccountImportOptions, AccountImportReport } from '../import/accounts-import.js';
import type { CsvSource } from '../import/csv-reader.js';
import { apiClientFrom } from './api-client.js';
import type { AnswerOf } from './api-routes.js';
import { AccountsService } from '../services/accounts.service.js';
import { withCliStore } from './cli-app.js';
import { inputFile } from './input-file.js';
import { configFrom, type GlobalOptions } from './main.js';

export function registerAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('the accounts directory');
  accounts
    .command('import')
    .description('upsert accounts from a CSV file; exits 1 if any row was rejected')
    .argument('<file>', 'CSV file: uuid, first_name, last_name, email, phone, language, timezone, email_consent, sms_consent, other columns as attributes')
    .option('--all-or-nothing', 'apply nothing if any row is rejected')
    .action(async (file: string, options: { allOrNothing?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      const { size } = await inputFile(file);
      const csv = () => createReadStream(file, { highWaterMark: 256 * 1024 });
      // With --api/--token (or CRIER_API_URL/CRIER_API_TOKEN) the server imports, as the token's user.
      const api = apiClientFrom(global);
      const report = api
        ? await api.call('POST /api/accounts/import', { query: { allOrNothing: options.allOrNothing === true }, csv: csv() })
        : await importHere(configFrom(global), csv(), { allOrNothing: options.allOrNothing, actor: CLI_ACTOR, expectedBytes: size });
      console.log(global.json ? JSON.stringify(report) : formatReport(file, report));
      if (report.rejectedRows > 0) process.exitCode = 1;
    });
}

/** The import in this process, straight into the database. */
function importHere(config: Config, source: CsvSource, options: AccountImportOptions): Promise<AccountImportReport> {
  // An import makes short-lived garbage fast: V8's young generation, left to grow to its default
  // (16 MiB semi-spaces), adds ~25 MB to the peak of a million-row import; at 8 MiB it runs as
  // fast (docs/PERFORMANCE.md). Set before the import allocates, it holds for the process.
  setFlagsFromString('--max-semi-space-size=8');
  return withCliStore(config, (store) =>
    new AccountsService({ store, limits: config.imports, defaultRegion: config.defaultRegion, attributeLimits: config.accountAttributes }).import(
      source,
      options,
    ),
  );
}

/** The report as the server answers it (a local import's report is one too). */
export function formatReport(file: string, r: AnswerOf<'POST /api/accounts/import'>): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [
    `${file}: ${n(r.rowsRead)} rows read (delimiter ${JSON.stringify(r.delimiter)})`,
    r.applied
      ? `  ${n(r.inserted)} inserted, ${n(r.updated)} updated, ${n(r.unchanged)} unchanged, ${n(r.rejectedRows)} rejected`
      : `  nothing applied: ${n(r.rejectedRows)} rows rejected and --all-or-nothing was given`,
  ];
  if (r.columns.attributes.length > 0) lines.push(`  attributes: ${r.columns.attributes.join(', ')}`);
  if (r.columns.ignored.length > 0) lines.push(`  ignored columns: ${r.columns.ignored.join(', ')}`);
  if (r.rejected.length > 0) {
    lines.push('Rejected:');
    for (const x of r.rejected) {
      const where = x.column ? `, ${x.column}` : '';
      const value = x.value === null ? '' : ` ${JSON.stringify(x.value)}`;
      lines.push(`  line ${x.line}${where}:${value} ${x.message}`);
    }
  }
  return lines.join('\n');
}
