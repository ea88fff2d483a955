// The one way delivery events come in: every provider's webhook route and the sandbox hand their
// parsed events here. Each batch is one transaction: events are stored once, applied in the fixed
// precedence with the communication counters, and turned into suppressions where they ask for it.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { DeliveryEvent } from '../domain/delivery.js';
import type { DeliveryStore } from './sending-store.js';

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
  /** Where the events-ingested counter is registered (the app's metrics registry). */
  registry?: Registry;
  logger?: Logger;
}

/** Events per transaction: a SendGrid post of 1,000 events is one; larger ones are split so no transaction holds locks for long. */
const CHUNK = 1_000;

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

  async ingest(events: readonly DeliveryEvent[]): Promise<IngestResult> {
    const total: IngestResult = { applied: 0, duplicates: 0, unknown: 0 };
    for (let i = 0; i < events.length; i += CHUNK) {
      const chunk = events.slice(i, i + CHUNK);
      const now = this.deps.now?.() ?? Date.now();
      const results = await this.deps.store.ingest(chunk, now);
      results.forEach((result, n) => {
        if (result === 'applied') total.applied++;
        else if (result === 'duplicate') total.duplicates++;
        else total.unknown++;
        this.ingested?.inc({ provider: chunk[n]!.provider, kind: chunk[n]!.kind, result });
      });
    }
    if (total.unknown > 0) this.deps.logger?.debug(total, 'delivery events for unknown messages stored');
    return total;
  }
}
