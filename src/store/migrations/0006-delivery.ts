// Delivery reports: what the intake keeps of each event (so an event that arrived before its
// message was recorded as sent can be applied later), the sandbox's planned reports, and the
// indexes of the periodic sweeps, each partial so it holds only the rows still waiting.
import { sql, type Kysely } from 'kysely';
import { dialectOf, timestamp } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = timestamp(dialectOf(db));
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable('delivery_events').addColumn('reason', 'text').execute();
  await db.schema.alterTable('delivery_events').addColumn('hard_bounce', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // The phone number of an SMS STOP, which names no message.
  await db.schema.alterTable('delivery_events').addColumn('address', 'text').execute();
  await db.schema
    .createIndex('delivery_events_unmatched')
    .on('delivery_events')
    .column('received_at')
    .where(sql.ref('message_id'), 'is', null)
    .execute();

  // The no-report sweep reads only messages still awaiting a report, oldest first.
  await db.schema
    .createIndex('messages_awaiting_report')
    .on('messages')
    .column('sent_at')
    .where(sql.ref('delivery_state'), '=', 'in_progress')
    .execute();

  await db.schema.alterTable('sandbox_messages').addColumn('report_kind', 'varchar(16)').execute();
  await db.schema.alterTable('sandbox_messages').addColumn('report_reason', 'text').execute();
  await db.schema.alterTable('sandbox_messages').addColumn('report_due_at', ts).execute();
  await db.schema.alterTable('sandbox_messages').addColumn('reported_at', ts).execute();
  await db.schema
    .createIndex('sandbox_messages_report_due')
    .on('sandbox_messages')
    .column('report_due_at')
    .where(sql.ref('reported_at'), 'is', null)
    .execute();
  await db.schema.createIndex('sandbox_messages_to').on('sandbox_messages').columns(['to_address', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sandbox_messages_to').execute();
  await db.schema.dropIndex('sandbox_messages_report_due').execute();
  for (const column of ['reported_at', 'report_due_at', 'report_reason', 'report_kind']) {
    await db.schema.alterTable('sandbox_messages').dropColumn(column).execute();
  }
  await db.schema.dropIndex('messages_awaiting_report').execute();
  await db.schema.dropIndex('delivery_events_unmatched').execute();
  for (const column of ['address', 'hard_bounce', 'reason']) {
    await db.schema.alterTable('delivery_events').dropColumn(column).execute();
  }
}
