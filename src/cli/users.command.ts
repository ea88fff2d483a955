// `crier users create`: add a user from the command line, e.g. the first admin on a new
// installation. Without --password a password is generated and printed once.
import type { Command } from 'commander';
import { CLI_ACTOR, userLabel } from '../domain/actor.js';
import { withCliApp } from './cli-app.js';
import { configFrom, type GlobalOptions } from './main.js';

interface CreateOptions {
  email: string;
  firstName: string;
  lastName: string;
  role: string;
  password?: string;
}

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('the people who use Crier');
  users
    .command('create')
    .description('add a user; prints a generated password if none is given')
    .requiredOption('--email <email>', 'sign-in address')
    .requiredOption('--first-name <name>', 'first name')
    .requiredOption('--last-name <name>', 'last name')
    .requiredOption('--role <role>', 'admin, sender or viewer')
    .option('--password <password>', 'at least 12 characters (else one is generated)')
    .action(async (options: CreateOptions) => {
      const global = program.opts<GlobalOptions>();
      const { user, password } = await withCliApp(configFrom(global), (app) => app.auth.users.create(options, CLI_ACTOR));
      if (global.json) {
        console.log(JSON.stringify(password === undefined ? { user } : { user, password }));
        return;
      }
      console.log(`Created ${user.role} ${userLabel(user)} (id ${user.id})`);
      if (password !== undefined) console.log(`Password (shown once): ${password}`);
    });
}
