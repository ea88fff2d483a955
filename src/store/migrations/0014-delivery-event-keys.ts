// Each delivery event's key (provider, event id), kept once: the intake's dedupe. A webhook brings
// events a thousand at a time and most are deliveries of known messages, which nobody reads again
// (the message's own state says it): their keys are kept here, a row of two short columns and no
// other index (WITHOUT ROWID on SQLite), and delivery_events keeps the events someone may read —
// failures, complaints, unsubscribes, STOPs, events naming no known message.
import { sql, type Kysely } from 'kysely';
import { dialectOf } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = dialectOf(db) === 'sqlite';
  await db.schema
    .createTable('delivery_event_keys')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_event_keys_pk', ['provider', 'event_key'])
    .$call((b) => (sqlite ? b.modifyEnd(sql`without rowid`) : b))
    .execute();
  await sql`insert into delivery_event_keys (provider, event_key) select provider, event_key from delivery_events`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('delivery_event_keys').execute();
}
