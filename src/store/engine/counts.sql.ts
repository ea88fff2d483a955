// A communication's counters, kept in shards (migration 0010): a transaction adds its changes to
// one of SHARDS rows of the communication picked at random, so workers recording batches of one
// communication, the delivery intake and Cancel do not all queue on one row; a reader adds the
// rows up (a handful per communication). Every change to the counters happens in the same
// transaction as the change to the message rows it counts, so the sums equal a recount at every
// moment.
import { inIds, type SqlExec } from './sql-exec.js';

export const SHARDS = 16;

/** The counter columns of communication_counts; a communication's counters are their sums. */
export const COUNTER_COLUMNS = ['messages_total', 'messages_sent', 'messages_send_failed', 'messages_cancelled', 'messages_delivered', 'delivery_errors'] as const;
export type CounterColumn = (typeof COUNTER_COLUMNS)[number];

export interface Counts {
  total: number;
  sent: number;
  sendFailed: number;
  cancelled: number;
  delivered: number;
  deliveryErrors: number;
}

const COLUMNS: [keyof Counts, CounterColumn][] = [
  ['total', 'messages_total'],
  ['sent', 'messages_sent'],
  ['sendFailed', 'messages_send_failed'],
  ['cancelled', 'messages_cancelled'],
  ['delivered', 'messages_delivered'],
  ['deliveryErrors', 'delivery_errors'],
];

const UPSERT = `INSERT INTO communication_counts (communication_id, shard, ${COLUMNS.map(([, c]) => c).join(', ')})
  VALUES (?, ?, ${COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (communication_id, shard) DO UPDATE SET ${COLUMNS.map(([, c]) => `${c} = communication_counts.${c} + excluded.${c}`).join(', ')}`;

/** Adds these changes to the counters of each communication (in id order), inside the caller's transaction. */
export async function addCounts(tx: SqlExec, changes: ReadonlyMap<number, Partial<Counts>>): Promise<void> {
  const shard = Math.floor(Math.random() * SHARDS);
  for (const [id, change] of [...changes].sort(([a], [b]) => a - b)) {
    const values = COLUMNS.map(([key]) => change[key] ?? 0);
    if (values.every((v) => v === 0)) continue;
    await tx.run(UPSERT, [id, shard, ...values]);
  }
}

/** SQL for one counter of the communication aliased `alias`, as a scalar subquery. */
export const countSql = (column: CounterColumn, alias: string) =>
  `(SELECT COALESCE(SUM(k.${column}), 0) FROM communication_counts k WHERE k.communication_id = ${alias}.id)`;

/** The counters of these communications. */
export async function countsOf(exec: SqlExec, ids: readonly number[]): Promise<Map<number, Counts>> {
  const found = new Map<number, Counts>(ids.map((id) => [id, { total: 0, sent: 0, sendFailed: 0, cancelled: 0, delivered: 0, deliveryErrors: 0 }]));
  if (ids.length === 0) return found;
  const [where, param] = inIds(exec, 'communication_id', ids);
  const rows = await exec.all<Record<string, number>>(
    `SELECT communication_id, ${COLUMNS.map(([, c]) => `SUM(${c}) AS ${c}`).join(', ')} FROM communication_counts WHERE ${where} GROUP BY communication_id`,
    [param],
  );
  for (const row of rows) {
    const counts = found.get(Number(row.communication_id));
    if (counts) for (const [key, column] of COLUMNS) counts[key] = Number(row[column] ?? 0);
  }
  return found;
}
