// Delivery events are written a thousand a webhook call and read by nothing through their
// message: the outcome views read the messages' own state, and late matching finds events by the
// unmatched index. The index on message_id cost a third of every event's insert: dropped.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('delivery_events_message').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('delivery_events_message').on('delivery_events').column('message_id').execute();
}
