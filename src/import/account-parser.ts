// The main thread's side of the parser thread: feeds it the upload's bytes with back-pressure
// (at most a few chunks ahead of what the database side has processed) and yields its batches.
import { Worker } from 'node:worker_threads';
import type { CountryCode } from 'libphonenumber-js';
import type { AttributeLimits } from '../domain/account-attributes.js';
import { CrierError, type ErrorCode } from '../domain/errors.js';
import type { RejectedRow } from './account-rows.js';
import type { CsvLimits, CsvSource } from './csv-reader.js';
import { threadScript } from '../thread-script.js';

export interface ParsedBatch {
  rowsRead: number;
  /** Valid rows, encoded by candidate-codec.ts. */
  candidates: string;
  rejected: RejectedRow[];
}

type FromWorker =
  | { start: { delimiter: string; header: string[] } }
  | { rows: ParsedBatch }
  | { consumed: 1 }
  | { done: true }
  | { error: { code: ErrorCode; message: string; details?: unknown } };
type Queued = Exclude<FromWorker, { consumed: 1 } | { error: unknown }>;

/** Chunks sent but not yet parsed, and parsed batches not yet processed, at most. */
const AHEAD = 4;

export class AccountParserThread {
  private readonly worker: Worker;
  private readonly inbox: Queued[] = [];
  private waiters: (() => void)[] = [];
  private unparsed = 0;
  private failure: Error | null = null;
  header: { delimiter: string; header: string[] } | null = null;
  /** The size of the first chunk sent: the rows of the first batch come from it. */
  firstChunkBytes = 0;

  constructor(limits: CsvLimits, defaultRegion: CountryCode, attributeLimits: AttributeLimits) {
    // A larger young generation than the default: the thread makes short-lived strings by the
    // million, and fewer, larger scavenges cost less than many small ones.
    const resourceLimits = { maxYoungGenerationSizeMb: 32 };
    this.worker = new Worker(threadScript(import.meta.url, 'account-parser.worker'), { workerData: { limits, defaultRegion, attributeLimits }, resourceLimits });
    this.worker.on('message', (m: FromWorker) => {
      if ('consumed' in m) this.unparsed--;
      else if ('error' in m) this.failure = new CrierError(m.error.code, m.error.message, m.error.details);
      else this.inbox.push(m);
      this.notify();
    });
    this.worker.on('error', (err) => {
      this.failure = err;
      this.notify();
    });
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops everything: the feeder and the reader give up at their next step. */
  fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  /** Sends the source's bytes, never more than AHEAD chunks beyond what is parsed and processed. */
  async feed(source: CsvSource): Promise<void> {
    for await (const chunk of source) {
      while (this.unparsed + this.inbox.length >= AHEAD && !this.failure) await this.wait();
      if (this.failure) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (this.firstChunkBytes === 0) this.firstChunkBytes = bytes.byteLength;
      this.unparsed++;
      // A copy the thread owns: the source may reuse its buffer.
      const owned = new Uint8Array(bytes);
      this.worker.postMessage({ chunk: owned }, [owned.buffer]);
    }
    this.worker.postMessage({ end: true });
  }

  /** Parsed batches in file order, until the file ends; a fatal problem is thrown as a CrierError. */
  async *batches(): AsyncGenerator<ParsedBatch> {
    for (;;) {
      if (this.failure) throw this.failure;
      const message = this.inbox.shift();
      if (!message) {
        await this.wait();
        continue;
      }
      this.notify();
      if ('start' in message) this.header = message.start;
      else if ('rows' in message) yield message.rows;
      else return;
    }
  }

  async close(): Promise<void> {
    this.fail(new Error('the import was closed'));
    await this.worker.terminate();
  }
}
