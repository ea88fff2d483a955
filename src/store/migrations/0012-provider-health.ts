// What each sender's circuit breakers last said of their providers: the breaker lives in the
// sender's memory (a thread of `crier serve`, or a `crier worker` process elsewhere), and the API
// process cannot see it. Each sender writes its own row per channel when a breaker opens or
// closes, when it starts, and now and then in between (reported_at), so a row that stops being
// refreshed tells the API its sender is gone.
import type { Kysely } from 'kysely';
import { dialectOf, timestamp } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = timestamp(dialectOf(db));
  await db.schema
    .createTable('provider_health')
    .addColumn('worker', 'text', (c) => c.notNull())
    .addColumn('channel', 'varchar(8)', (c) => c.notNull())
    .addColumn('provider', 'varchar(32)', (c) => c.notNull())
    .addColumn('state', 'varchar(8)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('since', ts, (c) => c.notNull())
    .addColumn('reported_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_health_pk', ['worker', 'channel'])
    .execute();
  await db.schema.createIndex('provider_health_reported').on('provider_health').columns(['provider', 'channel', 'reported_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('provider_health').execute();
}
