// The one way delivery events come in: every provider's webhook route and the sandbox hand their
// parsed events here. Each batch is one transaction: events are stored once, applied in the fixed
// precedence with the communication counters, and turned into suppressions where they ask for it.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { DeliveryEvent } from '../domain/delivery.js';
import type { DeliveryStore, EventResult } from './sending-store.js';

export type { DeliveryEvent } from '../domain/delivery.js';

export interface IngestResult {
  /** New events that named a known message (or an SMS STOP) and were applied. */
  applied: number;
  /** Events stored before (provider retries, overlapping batches): they changed nothing. */
  duplicates: number;
  /** New events naming no message Crier knows: stored for diagnosis. */
  unknown: number;
}

export interface DeliveryIntakeDeps {
  store: Pick<DeliveryStore, 'ingest'>;
  now?: () => number;
  /**
   * Groups written at once (default 1). A store that writes them one after another elsewhere (the
   * intake's thread) takes 2: the next group waits in its queue instead of behind this thread.
   */
  depth?: number;
  /** Where the events-ingested counter is registered (the app's metrics registry). */
  registry?: Registry;
  logger?: Logger;
}

/**
 * Events per transaction, at most: a few SendGrid posts of 1,000 events that arrive together, or
 * thousands of Twilio callbacks, go in one (on PostgreSQL one flush to disk instead of one each);
 * a larger call is split, so no transaction holds its locks for long.
 */
const CHUNK = 4_000;

export class DeliveryIntake {
  private readonly ingested: Counter<'provider' | 'kind' | 'result'> | null;

  constructor(private readonly deps: DeliveryIntakeDeps) {
    this.ingested = deps.registry
      ? new Counter({
          name: 'crier_delivery_events_total',
          help: 'Delivery events received, by provider, kind and result (applied, duplicate, unknown)',
          labelNames: ['provider', 'kind', 'result'],
          registers: [deps.registry],
        })
      : null;
  }

  /**
   * Stores and applies events. Calls that arrive while a transaction is being written wait for it
   * and then go in together, in one transaction (group commit): a Twilio status callback is one
   * event a request, and a transaction each cost more than everything else they do. Nobody waits
   * for a timer; under a light load each call is its own transaction, as before.
   */
  ingest(events: readonly DeliveryEvent[]): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ events, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Once round the event loop first: calls whose requests were read in the same turn (their
        // handlers are queued behind this one) go in with it. On SQLite a write never waits, so
        // without this turn nothing would ever arrive during one.
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private readonly pending: Waiting[] = [];
  private scheduled = false;
  private writing = 0;

  /** Starts writing the waiting calls, up to `depth` groups at once. */
  private pump(): void {
    while (this.pending.length > 0 && this.writing < (this.deps.depth ?? 1)) {
      const group = this.takeGroup();
      this.writing++;
      void this.writeGroup(group).finally(() => {
        this.writing--;
        this.pump();
      });
    }
  }

  private async writeGroup(group: Waiting[]): Promise<void> {
    try {
      const results = await this.write(group.flatMap((w) => w.events));
      let at = 0;
      for (const w of group) {
        w.resolve(tally(results.slice(at, at + w.events.length)));
        at += w.events.length;
      }
    } catch (err) {
      if (group.length === 1) group[0]!.reject(err);
      // One caller's failure is not the others': each goes again on its own.
      else for (const w of group.reverse()) this.pending.unshift({ ...w, alone: true });
    }
  }

  /** The waiting calls that fit one transaction together (a large call goes alone, in chunks). */
  private takeGroup(): Waiting[] {
    const group = [this.pending.shift()!];
    let size = group[0]!.events.length;
    while (!group[0]!.alone && this.pending.length > 0 && !this.pending[0]!.alone && size + this.pending[0]!.events.length <= CHUNK) {
      const next = this.pending.shift()!;
      size += next.events.length;
      group.push(next);
    }
    return group;
  }

  private async write(events: readonly DeliveryEvent[]): Promise<EventResult[]> {
    const results: EventResult[] = [];
    for (let i = 0; i < events.length; i += CHUNK) {
      results.push(...(await this.deps.store.ingest(events.slice(i, i + CHUNK), this.deps.now?.() ?? Date.now())));
    }
    this.count(events, results);
    const unknown = results.filter((r) => r === 'unknown').length;
    if (unknown > 0) this.deps.logger?.debug({ unknown }, 'delivery events for unknown messages stored');
    return results;
  }

  /** One increment a (provider, kind, result), not one an event (and no key string an event). */
  private count(events: readonly DeliveryEvent[], results: readonly EventResult[]): void {
    if (!this.ingested) return;
    const counts = new Map<string, Map<string, Map<EventResult, number>>>();
    for (let i = 0; i < results.length; i++) {
      const { provider, kind } = events[i]!;
      let byKind = counts.get(provider);
      if (!byKind) counts.set(provider, (byKind = new Map()));
      let byResult = byKind.get(kind);
      if (!byResult) byKind.set(kind, (byResult = new Map()));
      byResult.set(results[i]!, (byResult.get(results[i]!) ?? 0) + 1);
    }
    for (const [provider, byKind] of counts) {
      for (const [kind, byResult] of byKind) for (const [result, n] of byResult) this.ingested.inc({ provider, kind, result }, n);
    }
  }
}

interface Waiting {
  events: readonly DeliveryEvent[];
  resolve(result: IngestResult): void;
  reject(err: unknown): void;
  /** Went in with others and failed: retried on its own. */
  alone?: boolean;
}

function tally(results: readonly EventResult[]): IngestResult {
  const total: IngestResult = { applied: 0, duplicates: 0, unknown: 0 };
  for (const r of results) {
    if (r === 'applied') total.applied++;
    else if (r === 'duplicate') total.duplicates++;
    else total.unknown++;
  }
  return total;
}
