// Imports done for the server run on a thread of their own, with their own database connection:
// better-sqlite3 is synchronous, and a million-row apply on the server's thread would leave every
// request (health checks included) unanswered for seconds. This thread only streams the upload's
// bytes across, a few chunks ahead of what the import has consumed, and waits for the report.
import { Worker } from 'node:worker_threads';
import type { CountryCode } from 'libphonenumber-js';
import type { AttributeLimits } from '../domain/account-attributes.js';
import { CrierError, type ErrorCode } from '../domain/errors.js';
import { threadScript } from '../thread-script.js';
import type { AccountImportOptions, AccountImportReport } from './accounts-import.js';
import type { CsvLimits, CsvSource } from './csv-reader.js';
import type { RecipientsImportOptions, RecipientsReport } from './recipients-import.js';
import type { SuppressionImportOptions, SuppressionImportReport } from './suppressions-csv.js';

export interface ImportJobsDeps {
  databaseUrl: string;
  limits: CsvLimits;
  defaultRegion: CountryCode;
  attributeLimits: AttributeLimits;
}

export type ImportJob =
  | { kind: 'accounts'; options: AccountImportOptions }
  | { kind: 'recipients'; communicationId: number; options: RecipientsImportOptions }
  /** `now`: the import's one timestamp (rows without their own date are suppressed as of it). */
  | { kind: 'suppressions'; options: SuppressionImportOptions; now: number };

export interface ImportThreadData extends ImportJobsDeps {
  job: ImportJob;
}

/** A thread's failure: a CrierError has a code; anything else only a message (and its stack). */
export interface ThreadError {
  code?: ErrorCode;
  message: string;
  details?: unknown;
  stack?: string;
}

/** Chunk, end of the upload, or the upload failed (the import must unwind and change nothing). */
export type ToImportThread = { chunk: Uint8Array } | { end: true } | { stop: true };

export type FromImportThread =
  /** The import has started reading its source: until then the upload is left unread. */
  | { reading: true }
  | { consumed: 1 }
  | { report: unknown }
  | { error: ThreadError };

/** Chunks sent but not yet consumed by the import, at most. */
const AHEAD = 4;

export class ImportJobs {
  constructor(private readonly deps: ImportJobsDeps) {}

  accounts(source: CsvSource, options: AccountImportOptions): Promise<AccountImportReport> {
    return this.run<AccountImportReport>({ kind: 'accounts', options }, source);
  }

  recipients(communicationId: number, source: CsvSource, options: RecipientsImportOptions): Promise<RecipientsReport> {
    return this.run<RecipientsReport>({ kind: 'recipients', communicationId, options }, source);
  }

  suppressions(source: CsvSource, options: SuppressionImportOptions, now: number): Promise<SuppressionImportReport> {
    return this.run<SuppressionImportReport>({ kind: 'suppressions', options, now }, source);
  }

  private async run<T>(job: ImportJob, source: CsvSource): Promise<T> {
    const { databaseUrl, limits, defaultRegion, attributeLimits } = this.deps;
    const workerData: ImportThreadData = { databaseUrl, limits, defaultRegion, attributeLimits, job };
    const worker = new Worker(threadScript(import.meta.url, 'import.worker'), { workerData });
    const thread = new ThreadState<T>(worker);
    let sourceError: unknown;
    thread.feed(source).catch((err: unknown) => {
      // The upload broke off (the client went away): the import unwinds on its thread, and the
      // caller hears of the upload's own error, which says what happened.
      sourceError = err;
      worker.postMessage({ stop: true } satisfies ToImportThread);
    });
    try {
      return await thread.outcome;
    } catch (err) {
      throw sourceError ?? err;
    } finally {
      await worker.terminate();
    }
  }
}

/** One running import: its answer, and how far the thread has got with the bytes sent. */
class ThreadState<T> {
  readonly outcome: Promise<T>;
  private settled = false;
  private reading = false;
  private unconsumed = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly worker: Worker) {
    this.outcome = new Promise<T>((resolve, reject) => {
      worker.on('message', (m: FromImportThread) => {
        if ('reading' in m) this.reading = true;
        else if ('consumed' in m) this.unconsumed--;
        else if ('report' in m) resolve(m.report as T);
        else reject(fromThread(m.error));
        this.notify();
      });
      worker.on('error', (err) => reject(died(err.message)));
      worker.on('exit', (code) => reject(died(`exit code ${code}`)));
    });
    const stop = () => {
      this.settled = true;
      this.notify();
    };
    this.outcome.then(stop, stop);
  }

  /**
   * Sends the source's bytes once the import reads them, never more than AHEAD chunks beyond
   * what it has consumed; stops as soon as the thread has answered.
   */
  async feed(source: CsvSource): Promise<void> {
    // Not a byte is read before the import asks: a refusal (say, of a communication that is no
    // longer a draft) leaves the upload untouched, for the route to drain.
    while (!this.settled && !this.reading) await this.changed();
    if (this.settled) return;
    for await (const chunk of source) {
      while (!this.settled && this.unconsumed >= AHEAD) await this.changed();
      if (this.settled) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      // A copy the thread owns: the source may reuse its buffer.
      const owned = new Uint8Array(bytes);
      this.unconsumed++;
      this.worker.postMessage({ chunk: owned } satisfies ToImportThread, [owned.buffer]);
    }
    if (!this.settled) this.worker.postMessage({ end: true } satisfies ToImportThread);
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

function fromThread(error: ThreadError): Error {
  if (error.code) return new CrierError(error.code, error.message, error.details);
  const err = new Error(error.message);
  // The thread's stack says where it failed; this thread's would only say where it was told.
  if (error.stack) err.stack = error.stack;
  return err;
}

function died(why: string): CrierError {
  // The import applies in one transaction, with its audit entry: all of it happened or none.
  return new CrierError(
    'internal',
    `The import's thread stopped before it reported (${why}): the import was applied in full or not at all; ` +
      'the audit log says which',
  );
}
