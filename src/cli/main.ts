// The `crier` command. Each subcommand builds the app from the same config as the server and
// calls the same services.
import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { CrierError } from '../domain/errors.js';
import { registerAccountCommands } from './accounts.command.js';
import { registerDemoCommands } from './demo.command.js';
import { registerServeCommands } from './serve.command.js';

export interface GlobalOptions {
  database?: string;
  json?: boolean;
}

/** The config with the command line's --database (and any other overrides) applied. */
export function configFrom(options: GlobalOptions, overrides: Record<string, string | number> = {}): Config {
  return loadConfig({
    overrides: { ...(options.database ? { DATABASE_URL: options.database } : {}), ...overrides },
  });
}

const program = new Command('crier')
  .description('Crier: mass email and SMS to the accounts in a CSV, tracked to the last message')
  .addOption(new Option('--database <url>', 'postgres://… URL or SQLite file path (else DATABASE_URL, else ./data/crier.db)'))
  .option('--json', 'machine-readable output')
  .showHelpAfterError();

registerServeCommands(program);
registerAccountCommands(program);
registerDemoCommands(program);

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
