// The parsing half of an account import, on a thread of its own: bytes in, validated rows out,
// while the main thread de-duplicates them and does the database half. Messages in:
// { chunk } and { end }; out: { start }, { rows }, { consumed }, { done }, { error }.
import { parentPort, workerData } from 'node:worker_threads';
import type { CountryCode } from 'libphonenumber-js';
import type { AttributeLimits } from '../domain/account-attributes.js';
import { CrierError } from '../domain/errors.js';
import { mapAccountColumns } from './account-columns.js';
import { AccountRowReader, type RejectedRow } from './account-rows.js';
import { readCsv, type CsvLimits } from './csv-reader.js';

const { limits, defaultRegion, attributeLimits } = workerData as { limits: CsvLimits; defaultRegion: CountryCode; attributeLimits: AttributeLimits };
const port = parentPort!;

/** Chunks as they arrive; `consumed` tells the main thread how far parsing has got. */
async function* incoming(): AsyncGenerator<Uint8Array> {
  const queue: (Uint8Array | null)[] = [];
  let wake: (() => void) | null = null;
  port.on('message', (m: { chunk?: Uint8Array; end?: true }) => {
    queue.push(m.end ? null : m.chunk!);
    wake?.();
  });
  for (;;) {
    if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
    const next = queue.shift()!;
    if (next === null) return;
    yield next;
    port.postMessage({ consumed: 1 });
  }
}

async function run(): Promise<void> {
  let reader: AccountRowReader | undefined;
  const rows = readCsv(incoming(), limits, ({ header, delimiter }) => {
    const columns = mapAccountColumns(header.fields, attributeLimits);
    reader = new AccountRowReader(columns, defaultRegion, attributeLimits);
    port.postMessage({ start: { delimiter, header: header.fields } });
  });
  for await (const batch of rows) {
    let valid = '';
    const rejected: RejectedRow[] = [];
    const reject = (r: RejectedRow) => rejected.push(r);
    for (const row of batch) valid = reader!.encode(row, reject, valid);
    port.postMessage({ rows: { rowsRead: batch.length, candidates: valid, rejected } });
  }
  port.postMessage({ done: true });
}

run().catch((err: unknown) => {
  const error =
    err instanceof CrierError
      ? { code: err.code, message: err.message, details: err.details }
      : { code: 'internal', message: (err as Error).message ?? String(err) };
  port.postMessage({ error });
});
