// The delivery intake's writes, on a thread of their own (SQLite). A webhook post of 1,000 events
// is ~2 ms of verifying and parsing and ~5 ms of writing; on the server's thread the two ran back
// to back and held every other request meanwhile. Here the server's thread verifies and parses
// the next post while this thread writes the last one, with its own connection (SQLite's WAL lets
// the API read meanwhile) and the machine's other core. The intake itself (group commit, metrics)
// stays on the server's thread and hands each group of events here as one transaction, as
// columns (intake-wire.ts), and takes the results back as a byte an event. Nothing is
// lost if the thread dies: the calls it held fail (the provider retries them: webhooks answer 500
// and undo their replay tokens), and the next call starts it again.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { DeliveryEvent } from '../domain/delivery.js';
import { threadScript } from '../thread-script.js';
import { toColumns, type EventColumns } from './intake-wire.js';
import type { DeliveryStore, EventResult } from './sending-store.js';

/** A call, or the payloads a call's transaction asked for (as one JSON array, in the order asked). */
export type ToIntake =
  | {
      id: number;
      /** The events as columns (intake-wire.ts): a thousand objects cost a clone each. */
      events: EventColumns;
      now: number;
    }
  | { id: number; payloads: string };
/**
 * Results as one byte an event (RESULTS[byte]): a thousand strings cost a clone each way. Or, while
 * the call's transaction is open, the payloads it needs: those of the events at these indexes.
 */
export type FromIntake = { id: number; results: Uint8Array } | { id: number; error: { message: string; code?: string } } | { id: number; need: number[] };

export const RESULTS: readonly EventResult[] = ['applied', 'duplicate', 'unknown'];

interface Call {
  /** Kept until answered: the thread may ask for payloads held back. */
  events: readonly DeliveryEvent[];
  resolve(results: EventResult[]): void;
  reject(err: Error): void;
}

export class IntakeThread implements Pick<DeliveryStore, 'ingest'> {
  private worker: Worker | null = null;
  private readonly calls = new Map<number, Call>();
  /** The calls not yet answered, for close() to wait for. */
  private readonly unanswered = new Set<Promise<unknown>>();
  private nextId = 0;
  private closing = false;

  constructor(private readonly deps: { databaseUrl: string; logger: Logger }) {}

  ingest(events: readonly DeliveryEvent[], now: number): Promise<EventResult[]> {
    if (this.closing) return Promise.reject(new Error('the delivery intake is closing'));
    const worker = this.worker ?? this.start();
    const id = ++this.nextId;
    const answer = new Promise<EventResult[]>((resolve, reject) => {
      this.calls.set(id, { events, resolve, reject });
      worker.postMessage({ id, events: toColumns(events), now } satisfies ToIntake);
    });
    const settled: Promise<unknown> = answer.then(
      () => this.unanswered.delete(settled),
      () => this.unanswered.delete(settled),
    );
    this.unanswered.add(settled);
    return answer;
  }

  /** Waits for the calls in flight, then stops the thread. */
  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    await Promise.all(this.unanswered);
    await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(threadScript(import.meta.url, 'intake.worker'), { workerData: { databaseUrl: this.deps.databaseUrl } });
    this.worker = worker;
    worker.on('message', (m: FromIntake) => {
      const call = this.calls.get(m.id);
      if (!call) return;
      if ('need' in m) {
        worker.postMessage({ id: m.id, payloads: JSON.stringify(m.need.map((i) => call.events[i]?.payload ?? null)) } satisfies ToIntake);
        return;
      }
      this.calls.delete(m.id);
      if ('results' in m) call.resolve(Array.from(m.results, (r) => RESULTS[r]!));
      else call.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
    });
    worker.on('error', (err) => this.deps.logger.error({ err }, 'the delivery intake thread failed'));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      if (this.calls.size > 0 || !this.closing) this.deps.logger.warn({ code, calls: this.calls.size }, 'the delivery intake thread stopped');
      for (const call of this.calls.values()) call.reject(new Error(`the delivery intake thread stopped (exit code ${code})`));
      this.calls.clear();
    });
    // It never keeps the process alive on its own: the server (or a command) decides when to end.
    worker.unref();
    return worker;
  }
}
