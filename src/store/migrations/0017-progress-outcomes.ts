// Progress samples also keep the delivered and delivery-error counts at each moment, so the view
// of a communication In Progress can chart its delivery outcomes over time from the few rows of
// send_progress (one every few seconds, ten minutes kept) instead of aggregating its messages.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('send_progress').addColumn('delivered', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('send_progress').addColumn('delivery_errors', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('send_progress').dropColumn('delivery_errors').execute();
  await db.schema.alterTable('send_progress').dropColumn('delivered').execute();
}
