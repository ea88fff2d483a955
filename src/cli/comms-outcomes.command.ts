// `crier comms recipients|send|cancel|export`: the rest of a communication's life from the
// command line, through the same services as the API.
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { CLI_ACTOR } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import { importRecipients, type RecipientsReport } from '../import/recipients-import.js';
import { withCliApp } from './cli-app.js';
import { inputFile } from './input-file.js';
import { formatRow } from './comms.command.js';
import { configFrom, type GlobalOptions } from './main.js';
import { formatAwaitedReports, formatEstimate, waitForOutcome } from './send-wait.js';

/** Adds to `crier comms` (registered first by comms.command.ts). */
export function registerCommsOutcomeCommands(program: Command): void {
  const comms = program.commands.find((c) => c.name() === 'comms');
  if (!comms) throw new Error('register the comms command first');
  const global = () => program.opts<GlobalOptions>();
  comms
    .command('recipients')
    .description("attach the recipients CSV to a draft (replacing any before); prints the report; exits 1 if any row was rejected")
    .argument('<id>', 'communication id')
    .argument('<file>', 'CSV with a uuid, account_uuid, account_id or id column')
    .action(async (id: string, file: string) => {
      await inputFile(file);
      const report = await withCliApp(configFrom(global()), (app) =>
        importRecipients({ store: app.store, limits: app.config.imports }, communicationId(id), createReadStream(file, { highWaterMark: 256 * 1024 }), {
          actor: CLI_ACTOR,
        }),
      );
      console.log(global().json ? JSON.stringify(report) : formatRecipientsReport(file, report));
      if (report.rejectedCount > 0) process.exitCode = 1;
    });

  comms
    .command('send')
    .description(
      'Send message: Draft → In Progress. With --wait, sends from this process and shows progress until it leaves In Progress (exit 0 Completed, 1 Failed or Cancelled); delivery reports may come later',
    )
    .argument('<id>', 'communication id')
    .option('--wait', 'run a sender here and wait for the outcome, with a progress bar')
    .option('--wait-reports', 'with --wait (implied): then keep the sender running until every sent message has its delivery report')
    .action(async (id: string, options: { wait?: boolean; waitReports?: boolean }) => {
      const json = global().json === true;
      const wait = options.wait === true || options.waitReports === true;
      let estimates: string[] = [];
      const outcome = await withCliApp(configFrom(global()), async (app) => {
        // How long it will take, from the same figures as Review & Send: before the progress bar, or under the row.
        const review = json ? null : await app.review.review(communicationId(id));
        estimates = review?.estimates.map(formatEstimate) ?? [];
        if (!wait) return { view: await app.sending.send(communicationId(id), CLI_ACTOR), awaitingReports: 0, interrupted: false };
        for (const line of estimates) console.error(line);
        // Each account the review says will receive nothing still gets its send-failure row.
        const expectedMessages = review ? review.messages.total + review.receivingNothing.total : 0;
        return waitForOutcome(app, communicationId(id), { bar: !json, reports: options.waitReports === true, expectedMessages });
      });
      const { view, awaitingReports, interrupted } = outcome;
      if (json) console.log(JSON.stringify(wait ? { ...view, awaitingReports } : view));
      else {
        const awaited = wait ? formatAwaitedReports(view.id, awaitingReports, view.messagesSent, true) : '';
        console.log([formatRow(view), ...(awaited ? [awaited] : []), ...(wait ? [] : estimates)].join('\n'));
      }
      if (wait) process.exitCode = interrupted || view.status === 'in_progress' ? 130 : view.status === 'completed' ? 0 : 1;
    });

  comms
    .command('cancel')
    .description('Cancel: In Progress → Cancelled; pending messages are stopped, sent ones stay sent')
    .argument('<id>', 'communication id')
    .action(async (id: string) => {
      const view = await withCliApp(configFrom(global()), (app) => app.sending.cancel(communicationId(id), CLI_ACTOR));
      console.log(global().json ? JSON.stringify(view) : formatRow(view));
    });

  comms
    .command('export')
    .description('a tab of the communication as CSV on stdout, streamed')
    .argument('<id>', 'communication id')
    .option('--deliveries', 'account delivery status: every message that was sent')
    .option('--failures', 'send failures: every message that could not be sent')
    .option('--received-nothing', 'the accounts that received nothing, as a recipients CSV')
    .option('--type <type>', 'with --deliveries: email or sms')
    .option('--status <status>', 'with --deliveries: delivered, failed, in_progress or no_report')
    .action(async (id: string, options: { deliveries?: boolean; failures?: boolean; receivedNothing?: boolean; type?: string; status?: string }) => {
      const tabs = [options.deliveries && 'deliveries', options.failures && 'failures', options.receivedNothing && 'received-nothing'].filter(Boolean);
      if (tabs.length !== 1) {
        throw new CrierError('bad_request', 'Name one tab to export: --deliveries, --failures or --received-nothing');
      }
      if ((options.type || options.status) && !options.deliveries) {
        throw new CrierError('bad_request', '--type and --status filter --deliveries only');
      }
      await withCliApp(configFrom(global()), async (app) => {
        const n = communicationId(id);
        const chunks = options.deliveries
          ? await app.outcomes.deliveriesCsv(n, { type: options.type, status: options.status })
          : options.failures
            ? await app.outcomes.failuresCsv(n)
            : await app.outcomes.receivedNothingCsv(n);
        for await (const chunk of chunks) {
          if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
        }
      });
    });
}

function communicationId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new CrierError('bad_request', `"${text}" is not a communication id`);
  return id;
}

export function formatRecipientsReport(file: string, r: RecipientsReport): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [
    `${file}: ${n(r.rowsRead)} rows read, ${n(r.accepted)} accepted, ${n(r.rejectedCount)} rejected`,
    ...(r.applied ? [] : ['  nothing applied: rows were rejected']),
  ];
  if (r.rejected.length > 0) {
    lines.push('Rejected:');
    for (const x of r.rejected) lines.push(`  line ${x.line}: ${JSON.stringify(x.value)} ${x.reason.replace(/_/g, ' ')} (${x.detail})`);
    if (r.rejectedCount > r.rejected.length) lines.push(`  … and ${n(r.rejectedCount - r.rejected.length)} more`);
  }
  return lines.join('\n');
}
