// The sender of `crier serve`, on a thread of its own. better-sqlite3 is synchronous, and a chain
// of `await`s over work that never waits on I/O never lets the event loop read a request: on the
// server's thread, rendering and recording a 1,000-message batch, expanding 20,000 recipients or
// storing what the sandbox "sent" each held the HTTP server for as long as they ran, back to back
// (GET /api/communications/:id took 6 s while 200,000 messages went out, and Cancel came too
// late). On this thread the sender has its own database connection (SQLite's WAL lets the API
// read meanwhile; on PostgreSQL its own pool, so it never starves the API's), its own event loop,
// and the machine's other core. The rules of sending are unchanged: all state is in the
// database, so the thread may die at any line; it is started again and carries on.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Config } from '../config.js';
import { threadScript } from '../thread-script.js';
import type { WorkSignal } from './work-signal.js';

export type ToSender = { type: 'wake' } | { type: 'stop' } | { type: 'metrics'; id: number };
export type FromSender =
  | { type: 'started'; worker: string }
  | { type: 'stopped' }
  | { type: 'metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { type: 'failed'; message: string };

/** After the thread dies, how long before it is started again. */
const RESTART_MS = 1_000;
const METRICS_TIMEOUT_MS = 2_000;

export class SenderThread {
  private worker: Worker | null = null;
  private stopping = false;
  private unlisten: (() => void) | null = null;
  private stopped: (() => void) | null = null;
  private readonly pendingMetrics = new Map<number, (m: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  private nextMetricsId = 0;

  constructor(private readonly deps: { config: Config; logger: Logger; signal: WorkSignal }) {}

  get running(): boolean {
    return this.worker !== null;
  }

  start(): void {
    if (this.worker || this.stopping) return;
    this.unlisten ??= this.deps.signal.listen(() => this.post({ type: 'wake' }));
    const worker = new Worker(threadScript(import.meta.url, 'sender.worker'), { workerData: { config: this.deps.config } });
    this.worker = worker;
    worker.on('message', (m: FromSender) => this.receive(m));
    worker.on('error', (err) => this.deps.logger.error({ err }, 'the sender thread failed'));
    worker.on('exit', (code) => {
      this.worker = null;
      for (const resolve of this.pendingMetrics.values()) resolve([]);
      this.pendingMetrics.clear();
      if (this.stopping) {
        this.stopped?.();
        return;
      }
      // Nothing is lost: claimed messages return to the queue when their lease expires.
      this.deps.logger.error({ code, restartInMs: RESTART_MS }, 'the sender thread stopped unexpectedly; starting it again');
      setTimeout(() => this.start(), RESTART_MS).unref();
    });
  }

  /** Stops the sender: no new claims, batches in flight recorded, periodic tasks ended, its store closed. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unlisten?.();
    this.unlisten = null;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      this.stopped = resolve;
      this.post({ type: 'stop' });
    });
  }

  /** The thread's metrics (hand-overs, delivery events), for /metrics; none when it is not running. */
  async metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    if (!this.worker) return [];
    const id = ++this.nextMetricsId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingMetrics.delete(id);
        resolve([]);
      }, METRICS_TIMEOUT_MS);
      this.pendingMetrics.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      this.post({ type: 'metrics', id });
    });
  }

  private post(message: ToSender): void {
    this.worker?.postMessage(message);
  }

  private receive(m: FromSender): void {
    switch (m.type) {
      case 'metrics':
        this.pendingMetrics.get(m.id)?.(m.metrics);
        this.pendingMetrics.delete(m.id);
        return;
      case 'failed':
        this.deps.logger.error({ reason: m.message }, 'the sender thread could not start');
        return;
      case 'started':
      case 'stopped':
        return;
    }
  }
}
