// The key of the delivery report that settled a message, on the message's own row: once the
// intake's quick deliveries kept their keys here, so that a later copy was known as a duplicate.
// It is no longer written: the message's state tells a copy of a delivery as well (a delivery of a
// delivered message is a duplicate, delivery.sql.ts), and writing the key cost the quick UPDATE a
// sixth of its time. The column stays, empty from then on: dropping it would rewrite the table.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('report_event_key', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('report_event_key').execute();
}
