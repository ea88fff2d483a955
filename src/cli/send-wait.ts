// `crier comms send ID --wait`: sends, then runs a sender in this process and shows progress until
// the communication leaves In Progress. The sender is the same dispatcher `crier worker` runs,
// so other workers (if any) share the work through the database; it stops gracefully at the end
// (batches in flight record their outcomes), or on Ctrl-C, leaving the rest to any worker.
import cliProgress from 'cli-progress';
import type { App } from '../app.js';
import { CLI_ACTOR } from '../domain/actor.js';
import type { SendProgress } from '../domain/progress.js';
import type { SendEstimate } from '../domain/send-estimate.js';
import type { CommunicationView } from '../services/communications.service.js';

const POLL_MS = 500;

export async function waitForOutcome(app: App, id: number, options: { bar: boolean }): Promise<CommunicationView> {
  // Started before Send, so Send wakes it at once.
  const dispatcher = app.createDispatcher();
  dispatcher.start();
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
  };
  process.once('SIGINT', interrupt);
  // On stderr: stdout keeps only the final status, for scripts.
  const bar = options.bar
    ? new cliProgress.SingleBar(
        { format: 'sending [{bar}] {value}/{total} | {rate}/s | {eta}{waiting}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  try {
    let view = await app.sending.send(id, CLI_ACTOR);
    bar?.start(view.messagesTotal, view.messagesSent, barPayload(view.progress));
    while (view.status === 'in_progress' && !interrupted) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      view = await app.communications.get(id);
      bar?.setTotal(view.messagesTotal);
      bar?.update(view.messagesSent, barPayload(view.progress));
    }
    return view;
  } finally {
    bar?.stop();
    process.off('SIGINT', interrupt);
    await dispatcher.stop();
  }
}

function barPayload(progress: SendProgress | null) {
  return {
    rate: progress?.ratePerSecond ?? 0,
    eta: progress?.etaSeconds === null || progress === null ? 'ETA —' : `ETA ${formatDuration(progress.etaSeconds)}`,
    waiting: progress?.waitReason ? ` | waiting: ${progress.waitReason}` : '',
  };
}

/** The progress lines of `comms status` while In Progress. */
export function formatProgress(p: SendProgress): string {
  const eta = p.etaSeconds === null ? '—' : formatDuration(p.etaSeconds);
  const lines = [`  progress:        ${p.sent} of ${p.total} sent, ${p.ratePerSecond}/s, ${eta} left`];
  if (p.waitReason) lines.push(`  waiting:         ${p.waitReason}`);
  return lines.join('\n');
}

/** The confirmation's estimate: "  estimate:        25,000 SMS at 3 per second: about 2 h 19 min", and its warning. */
export function formatEstimate(e: SendEstimate): string {
  return `  estimate:        ${e.text}${e.warning ? `\n  warning:         ${e.warning}` : ''}`;
}

export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m ${String(s).padStart(2, '0')}s` : `${s}s`;
}
