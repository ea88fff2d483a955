// The `crier` command. Each subcommand builds the app from the same config as the server and
// calls the same services.
import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { CrierError } from '../domain/errors.js';
import { registerAccountCommands } from './accounts.command.js';
import { registerCommsCommands } from './comms.command.js';
import { registerCommsOutcomeCommands } from './comms-outcomes.command.js';
import { registerDemoCommands } from './demo.command.js';
import { registerProviderCommands } from './providers.command.js';
import { registerServeCommands } from './serve.command.js';
import { registerTemplateCommands } from './templates.command.js';
import { registerTokenCommands } from './tokens.command.js';
import { registerUserCommands } from './users.command.js';
import { registerSuppressionCommands } from './suppressions.command.js';
import { crierVersion } from './version.js';

export interface GlobalOptions {
  database?: string;
  json?: boolean;
  /** Act through a running server (see api-client.ts) instead of opening the database. */
  api?: string;
  token?: string;
}

/** The config with the command line's --database (and any other overrides) applied. */
export function configFrom(options: GlobalOptions, overrides: Record<string, string | number> = {}): Config {
  return loadConfig({
    overrides: { ...(options.database ? { DATABASE_URL: options.database } : {}), ...overrides },
  });
}

const program = new Command('crier')
  .description('Crier: mass email and SMS to the accounts in a CSV, tracked to the last message')
  .version(crierVersion(), '-V, --version', 'print the version')
  .addOption(new Option('--database <url>', 'postgres://… URL or SQLite file path (else DATABASE_URL, else ./data/crier.db)'))
  .option('--json', 'machine-readable output')
  .option('--api <url>', 'act through the Crier server at this URL (else CRIER_API_URL), where a command supports it')
  .option('--token <token>', 'API token for --api (else CRIER_API_TOKEN; the variable keeps it out of process lists)')
  .showHelpAfterError();

registerServeCommands(program);
registerAccountCommands(program);
registerDemoCommands(program);
registerUserCommands(program);
registerTokenCommands(program);
registerTemplateCommands(program);
registerCommsCommands(program);
registerCommsOutcomeCommands(program);
registerSuppressionCommands(program);
registerProviderCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CrierError) {
    const opts = program.opts<GlobalOptions>();
    if (opts.json) console.error(JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }));
    else console.error(`crier: ${err.message}`);
    process.exitCode = 2;
  } else {
    throw err;
  }
}
