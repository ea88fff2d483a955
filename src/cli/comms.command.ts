// `crier comms …`: drafts and their status from the command line, through the same services.
import type { Command } from 'commander';
import { CLI_ACTOR } from '../domain/actor.js';
import type { CommunicationListRow } from '../services/communications.service.js';
import { withCliApp } from './cli-app.js';
import { configFrom, type GlobalOptions } from './main.js';
import { formatAwaitedReports, formatProgress } from './send-wait.js';

export function registerCommsCommands(program: Command): void {
  const comms = program.command('comms').description('mass communications');
  const global = () => program.opts<GlobalOptions>();

  comms
    .command('create')
    .description('create a draft; prints its id')
    .requiredOption('--name <name>', 'internal name')
    .option('--template <id>', 'copy the content of this template')
    .action(async (options: { name: string; template?: string }) => {
      const draft = await withCliApp(configFrom(global()), (app) =>
        app.communications.create({ name: options.name, ...(options.template ? { templateId: Number(options.template) } : {}) }, CLI_ACTOR),
      );
      console.log(global().json ? JSON.stringify(draft) : String(draft.id));
    });

  comms
    .command('status')
    .description("the communication's row of the list")
    .argument('<id>', 'communication id')
    .action(async (id: string) => {
      const { view, awaitingReports } = await withCliApp(configFrom(global()), async (app) => ({
        view: await app.communications.get(Number(id)),
        awaitingReports: await app.outcomes.awaitingReports(Number(id)),
      }));
      const awaited = formatAwaitedReports(view.id, awaitingReports, view.messagesSent, false);
      console.log(
        global().json
          ? JSON.stringify({ ...view, awaitingReports })
          : formatRow(view) + (view.progress ? `\n${formatProgress(view.progress)}` : '') + (awaited ? `\n${awaited}` : ''),
      );
    });
}

export function formatRow(row: CommunicationListRow): string {
  const rate = row.sendRate === null ? '' : ` (${(row.sendRate * 100).toFixed(1)}%)`;
  const by = row.sentBy ? `${row.sentBy.firstName} ${row.sentBy.lastName}` : '—';
  return [
    `#${row.id} ${row.name}`,
    `  status:          ${row.status.replace('_', ' ')}`,
    `  messages sent:   ${row.messagesSent} of ${row.messagesTotal}${rate}`,
    `  delivery errors: ${row.deliveryErrors}`,
    `  delivery date:   ${row.deliveryDate ?? '—'}`,
    `  sent by:         ${by}`,
  ].join('\n');
}
