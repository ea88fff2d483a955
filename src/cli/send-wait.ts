// `crier comms send ID --wait`: sends, then runs a sender in this process and shows progress until
// the communication leaves In Progress. The sender is the same dispatcher `crier worker` runs,
// so other workers (if any) share the work through the database; it stops gracefully at the end
// (batches in flight record their outcomes), or on Ctrl-C, leaving the rest to any worker.
// Completed means every message was handed over, not that its report came: with --wait-reports
// the sender keeps running (it makes the sandbox's reports, polls Mailgun) until none is awaited.
import cliProgress from 'cli-progress';
import type { App } from '../app.js';
import { CLI_ACTOR } from '../domain/actor.js';
import type { SendProgress } from '../domain/progress.js';
import type { SendEstimate } from '../domain/send-estimate.js';
import type { CommunicationView } from '../services/communications.service.js';

const POLL_MS = 500;
/** Counting the messages still awaited reads an index range: once a second is plenty. */
const REPORTS_POLL_MS = 1_000;

export interface WaitOptions {
  bar: boolean;
  /** Also wait until no sent message awaits its delivery report. */
  reports: boolean;
  /** Messages the review expects: the bar's total until the sender has made them all. */
  expectedMessages: number;
}

export interface WaitOutcome {
  view: CommunicationView;
  /** Sent messages whose delivery report has not come yet. */
  awaitingReports: number;
  /** Ctrl-C stopped the wait (the rest is left to any worker). */
  interrupted: boolean;
}

export async function waitForOutcome(app: App, id: number, options: WaitOptions): Promise<WaitOutcome> {
  // Started before Send, so Send wakes it at once.
  const dispatcher = app.createDispatcher();
  dispatcher.start();
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
  };
  process.once('SIGINT', interrupt);
  // On stderr: stdout keeps only the final status, for scripts.
  let bar = options.bar ? progressBar(process.stderr, 'sending') : null;
  try {
    let view = await app.sending.send(id, CLI_ACTOR);
    bar?.start(barTotal(view, options.expectedMessages), view.messagesSent, barPayload(view.progress));
    while (view.status === 'in_progress' && !interrupted) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      view = await app.communications.get(id);
      bar?.setTotal(barTotal(view, options.expectedMessages));
      bar?.update(view.messagesSent, barPayload(view.progress));
    }
    bar?.stop();
    let awaiting = await app.outcomes.awaitingReports(id);
    if (options.reports && awaiting > 0 && !interrupted) {
      bar = options.bar ? progressBar(process.stderr, 'reports') : null;
      bar?.start(view.messagesSent, view.messagesSent - awaiting, reportsPayload(view));
      while (awaiting > 0 && !interrupted) {
        await new Promise((resolve) => setTimeout(resolve, REPORTS_POLL_MS));
        [view, awaiting] = await Promise.all([app.communications.get(id), app.outcomes.awaitingReports(id)]);
        bar?.update(view.messagesSent - awaiting, reportsPayload(view));
      }
    }
    return { view, awaitingReports: awaiting, interrupted };
  } finally {
    bar?.stop();
    process.off('SIGINT', interrupt);
    await dispatcher.stop();
  }
}

/**
 * The bar of `send --wait` on `stream`: "sending" (sent/total), then with --wait-reports "reports"
 * (reported/sent). Empty, not full, while its total is 0, and reading "preparing messages" rather
 * than 0/0 until there is a total to count against.
 */
export function progressBar(stream: NodeJS.WritableStream, label: 'sending' | 'reports'): cliProgress.SingleBar {
  const tail = label === 'sending' ? '{rate}/s | {etaText}{waiting}' : '{delivered} delivered | {deliveryErrors} delivery errors';
  return new cliProgress.SingleBar(
    {
      format: (options, params, payload: Record<string, unknown>) =>
        cliProgress.Format.Formatter(
          { ...options, format: `${label} [{bar}] ${params.total === 0 ? 'preparing messages' : '{value}/{total}'} | ${tail}` },
          params,
          payload,
        ),
      stream,
      hideCursor: true,
      emptyOnZero: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

/**
 * What the bar counts against: the messages the review expects until the sender has made them
 * (the expansion inserts them in chunks, so the live total starts at 0 and grows), then the
 * real total once the communication has left In Progress.
 */
export function barTotal(view: Pick<CommunicationView, 'status' | 'messagesTotal'>, expectedMessages: number): number {
  return view.status === 'in_progress' ? Math.max(view.messagesTotal, expectedMessages) : view.messagesTotal;
}

function barPayload(progress: SendProgress | null) {
  return {
    rate: progress?.ratePerSecond ?? 0,
    // Not `eta`: the bar's own {eta} (seconds, from its value's pace) would take that name.
    etaText: progress?.etaSeconds === null || progress === null ? 'ETA —' : `ETA ${formatDuration(progress.etaSeconds)}`,
    waiting: progress?.waitReason ? ` | waiting: ${progress.waitReason}` : '',
  };
}

function reportsPayload(view: CommunicationView) {
  return { delivered: view.messages.delivered, deliveryErrors: view.messages.deliveryErrors };
}

/**
 * The lines under the row when reports are still awaited: delivery errors may still come, where
 * they arrive, and how to follow them. `hint` adds how to wait for them (after `send --wait`).
 */
export function formatAwaitedReports(id: number, awaiting: number, sent: number, hint: boolean): string {
  if (awaiting === 0) return '';
  const lines = [`  reports awaited: ${awaiting} of ${sent} sent (delivery errors may still come)`];
  if (hint) {
    lines.push(
      `  follow them:     crier comms status ${id} (reports come in through a running crier serve; send --wait-reports waits for them)`,
    );
  }
  return lines.join('\n');
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
