// The delivery intake's thread (see intake-thread.ts): its own connection to the database, one
// transaction a message. In: { id, events, now }; out: { id, results } or { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { sendingStore } from '../store/engine/sending-store.js';
import { engineExec } from '../store/engine/sql-exec.js';
import { openMigratedStore } from '../store/store.js';
import { RESULTS, type FromIntake, type ToIntake } from './intake-thread.js';

const { databaseUrl } = workerData as { databaseUrl: string };
const port = parentPort!;
const post = (m: FromIntake) => port.postMessage(m);

// The host migrated the database before it started this thread.
const store = await openMigratedStore(databaseUrl, pino({ level: 'silent' }), false);
const delivery = sendingStore(engineExec(store)).delivery;
port.on('message', (m: ToIntake) => {
  delivery.ingest(m.events, m.now).then(
    (results) => post({ id: m.id, results: Uint8Array.from(results, (r) => RESULTS.indexOf(r)) }),
    (err: Error & { code?: string }) => post({ id: m.id, error: { message: err.message, ...(typeof err.code === 'string' ? { code: err.code } : {}) } }),
  );
});
