// `crier demo seed`: demo data for a first look, written through the same import as real files.
import type { Command } from 'commander';
import { SYSTEM_ACTOR } from '../domain/actor.js';
import { demoAccountsCsv } from '../demo/demo-accounts.js';
import { DEMO_TEMPLATES } from '../demo/demo-templates.js';
import { withCliApp } from './cli-app.js';
import { configFrom, type GlobalOptions } from './main.js';

export function registerDemoCommands(program: Command): void {
  const demo = program.command('demo').description('demo data');
  demo
    .command('seed')
    .description('add demo accounts and templates (the same ones each time: seeding again changes nothing)')
    .option('--accounts <n>', 'how many accounts', '500')
    .action(async (options: { accounts: string }) => {
      const count = Number(options.accounts);
      if (!Number.isInteger(count) || count < 1 || count > 5_000_000) {
        program.error(`--accounts must be a whole number from 1 to 5000000, not ${options.accounts}`);
      }
      const global = program.opts<GlobalOptions>();
      const { report, templates } = await withCliApp(configFrom(global), async (app) => ({
        report: await app.accounts.import(demoAccountsCsv(count), { actor: SYSTEM_ACTOR }),
        templates: await app.templates.import(DEMO_TEMPLATES, SYSTEM_ACTOR),
      }));
      if (global.json) console.log(JSON.stringify({ accounts: report, templates }));
      else
        console.log(
          `Demo accounts: ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged` +
            (report.rejectedRows > 0 ? `, ${report.rejectedRows} rejected` : '') +
            `\nDemo templates: ${templates.created} created, ${templates.updated} updated, ${templates.unchanged} unchanged`,
        );
    });
}
