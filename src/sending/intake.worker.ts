// The delivery intake's thread (see intake-thread.ts): its own connection to the database, one
// transaction a message. In: { id, events, now }; out: { id, results } or { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { sendingStore } from '../store/engine/sending-store.js';
import { engineExec } from '../store/engine/sql-exec.js';
import { openMigratedStore } from '../store/store.js';
import { RESULTS, type FromIntake, type ToIntake } from './intake-thread.js';
import { fromColumns } from './intake-wire.js';
import type { PayloadLoader } from './sending-store.js';

const { databaseUrl } = workerData as { databaseUrl: string };
const port = parentPort!;
const post = (m: FromIntake) => port.postMessage(m);

// The host migrated the database before it started this thread.
const store = await openMigratedStore(databaseUrl, pino({ level: 'silent' }), false);
const delivery = sendingStore(engineExec(store)).delivery;
/** Payloads asked for by the calls whose transactions wait for them. */
const asked = new Map<number, (payloads: unknown[]) => void>();
port.on('message', (m: ToIntake) => {
  if ('payloads' in m) {
    asked.get(m.id)?.(JSON.parse(m.payloads) as unknown[]);
    asked.delete(m.id);
    return;
  }
  const batch = fromColumns(m.events);
  // Inside the transaction, for the few events kept whole whose payloads stayed with the sender.
  const load: PayloadLoader = async (events) => {
    const need = batch.held(events);
    if (need.length === 0) return;
    const payloads = await new Promise<unknown[]>((resolve) => {
      asked.set(m.id, resolve);
      post({ id: m.id, need });
    });
    batch.fill(need, payloads);
  };
  delivery.ingest(batch.events, m.now, load).then(
    (results) => post({ id: m.id, results: Uint8Array.from(results, (r) => RESULTS.indexOf(r)) }),
    (err: Error & { code?: string }) => post({ id: m.id, error: { message: err.message, ...(typeof err.code === 'string' ? { code: err.code } : {}) } }),
  );
});
