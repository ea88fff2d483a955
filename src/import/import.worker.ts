// An import's thread (see import-thread.ts): opens a store of its own, runs one accounts,
// recipients or suppressions import over the chunks that arrive by message, posts its report or its error, and
// closes the store. Messages in: { chunk }, { end }, { stop }; out: { reading }, { consumed },
// { report }, { error }.
import { parentPort, workerData } from 'node:worker_threads';
import { CrierError } from '../domain/errors.js';
import { openStore, type Store } from '../store/store.js';
import { importAccounts } from './accounts-import.js';
import type { FromImportThread, ImportThreadData, ThreadError, ToImportThread } from './import-thread.js';
import { importRecipients } from './recipients-import.js';
import { importSuppressions } from './suppressions-csv.js';

const { databaseUrl, limits, defaultRegion, attributeLimits, job } = workerData as ImportThreadData;
const port = parentPort!;
const post = (m: FromImportThread) => port.postMessage(m);

/** The upload as it arrives; `consumed` tells the sender how far the import has got. */
async function* incoming(): AsyncGenerator<Uint8Array> {
  const queue: ToImportThread[] = [];
  let wake: (() => void) | null = null;
  port.on('message', (m: ToImportThread) => {
    queue.push(m);
    wake?.();
  });
  post({ reading: true });
  for (;;) {
    if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
    const next = queue.shift()!;
    if ('end' in next) return;
    // Thrown into the import, which unwinds as it does for a broken upload: nothing applied.
    if ('stop' in next) throw new Error('The upload broke off before its end');
    yield next.chunk;
    post({ consumed: 1 });
  }
}

async function run(store: Store): Promise<unknown> {
  const source = { [Symbol.asyncIterator]: incoming };
  switch (job.kind) {
    case 'accounts':
      return importAccounts({ store, limits, defaultRegion, attributeLimits }, source, job.options);
    case 'recipients':
      return importRecipients({ store, limits }, job.communicationId, source, job.options);
    case 'suppressions': {
      const { now } = job;
      return importSuppressions({ store, limits, defaultRegion, now: () => now }, source, job.options);
    }
  }
}

function toThreadError(err: unknown): ThreadError {
  if (err instanceof CrierError) return { code: err.code, message: err.message, details: err.details };
  const error = err instanceof Error ? err : new Error(String(err));
  return { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
}

// On PostgreSQL the import needs one connection (store.dedicated) for its whole run: a small cap
// keeps each import's thread from holding more beside the server's own pool.
const store = openStore(databaseUrl, { poolSize: 2 });
let answer: FromImportThread;
try {
  answer = { report: await run(store) };
} catch (err) {
  answer = { error: toThreadError(err) };
}
// Closed before answering: the sender ends this thread as soon as it has the answer. A failure to
// close changes nothing the answer says.
await store.close().catch(() => {});
post(answer);
