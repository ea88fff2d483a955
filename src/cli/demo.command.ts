// `crier demo seed`: demo data for a first look, written through the same import as real files,
// and a recipients file of the demo accounts in one service area, for a first send.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { SYSTEM_ACTOR } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import { DEMO_OUTAGE_AREA, demoAccountsCsv, demoRecipientsCsv } from '../demo/demo-accounts.js';
import { DEMO_TEMPLATES } from '../demo/demo-templates.js';
import { withCliApp } from './cli-app.js';
import { configFrom, type GlobalOptions } from './main.js';

const WRITE_ERRORS: Record<string, string> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
};

export function registerDemoCommands(program: Command): void {
  const demo = program.command('demo').description('demo data');
  demo
    .command('seed')
    .description(
      `add demo accounts and templates (the same ones each time: seeding again changes nothing), and write the demo accounts in ${DEMO_OUTAGE_AREA} that can be reached to a recipients CSV`,
    )
    .option('--accounts <n>', 'how many accounts', '500')
    .option('--recipients <file>', `where to write the recipients CSV of the accounts in ${DEMO_OUTAGE_AREA} (replaced if it exists)`, 'demo-recipients.csv')
    .action(async (options: { accounts: string; recipients: string }) => {
      const count = Number(options.accounts);
      if (!Number.isInteger(count) || count < 1 || count > 5_000_000) {
        program.error(`--accounts must be a whole number from 1 to 5000000, not ${options.accounts}`);
      }
      const global = program.opts<GlobalOptions>();
      // Written before seeding: a file that cannot be written stops the command with nothing seeded.
      const recipients = demoRecipientsCsv(count);
      await writeFile(options.recipients, recipients.csv).catch((err: NodeJS.ErrnoException) => {
        const why = WRITE_ERRORS[err.code ?? ''];
        throw new CrierError('bad_request', `Cannot write the recipients file ${options.recipients}: ${why ?? err.message}; nothing was seeded (choose another file with --recipients)`);
      });
      const { report, templates } = await withCliApp(configFrom(global), async (app) => ({
        report: await app.accounts.import(demoAccountsCsv(count), { actor: SYSTEM_ACTOR }),
        templates: await app.templates.import(DEMO_TEMPLATES, SYSTEM_ACTOR),
      }));
      const written = { file: options.recipients, serviceArea: DEMO_OUTAGE_AREA, accounts: recipients.accounts };
      if (global.json) console.log(JSON.stringify({ accounts: report, templates, recipients: written }));
      else
        console.log(
          `Demo accounts: ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged` +
            (report.rejectedRows > 0 ? `, ${report.rejectedRows} rejected` : '') +
            `\nDemo templates: ${templates.created} created, ${templates.updated} updated, ${templates.unchanged} unchanged` +
            `\nDemo recipients: the ${recipients.accounts} accounts in ${DEMO_OUTAGE_AREA} that can be reached, written to ${options.recipients}` +
            ` (for crier comms recipients ID ${options.recipients})`,
        );
    });
}
