// The key of the delivery report that settled a message, on the message's own row. Nearly every
// event a webhook brings is the first "delivered" of a message still awaiting its report: the
// intake applies those by one UPDATE of the messages and keeps their keys in that same row, which
// is written anyway, instead of a row of delivery_event_keys each (a second B-tree written at
// random places, which cost as much as the update itself). A later copy of the same event is
// known as a duplicate by this column; every other event's key stays in delivery_event_keys.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('report_event_key', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('report_event_key').execute();
}
