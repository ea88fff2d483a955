// The sending engine's shared state: token buckets that hold a provider's rate limit across all
// workers, progress samples from which the send rate over the last minute is read, and secrets.
import type { Kysely } from 'kysely';
import { dialectOf, timestamp } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = timestamp(dialectOf(db));
  await db.schema
    .createTable('provider_buckets')
    .addColumn('provider', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('refilled_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('send_progress')
    .addColumn('communication_id', 'bigint', (c) => c.notNull().references('communications.id').onDelete('cascade'))
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('sent', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('send_progress_pk', ['communication_id', 'at'])
    .execute();
  // Secrets Crier makes for itself (e.g. the key that signs unsubscribe links), kept with the data
  // so every process and every restart signs alike.
  await db.schema
    .createTable('crier_secrets')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crier_secrets').execute();
  await db.schema.dropTable('send_progress').execute();
  await db.schema.dropTable('provider_buckets').execute();
}
