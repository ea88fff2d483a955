// `crier tokens create --email E`: a new API token for scripts and for `--api` use of this
// command. The token is printed once and cannot be shown again.
import type { Command } from 'commander';
import { CLI_ACTOR } from '../domain/actor.js';
import { withCliApp } from './cli-app.js';
import { configFrom, type GlobalOptions } from './main.js';

export function registerTokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('API tokens');
  tokens
    .command('create')
    .description("print a new API token for a user (it acts with the user's role)")
    .requiredOption('--email <email>', 'the user the token acts as')
    .option('--name <name>', 'what the token is for', 'command line')
    .action(async (options: { email: string; name: string }) => {
      const global = program.opts<GlobalOptions>();
      const created = await withCliApp(configFrom(global), async (app) => {
        const user = await app.auth.users.findByEmail(options.email);
        return app.auth.tokens.create(user.id, options.name, CLI_ACTOR);
      });
      // Plain output is the token alone, so `export CRIER_API_TOKEN=$(crier tokens create …)` works.
      console.log(global.json ? JSON.stringify(created) : created.token);
    });
}
