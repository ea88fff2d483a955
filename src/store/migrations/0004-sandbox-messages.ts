// The sandbox provider keeps what it "sent" in the database, so every process (API, workers)
// shows the same messages.
import type { Kysely } from 'kysely';
import { dialectOf, idColumn, timestamp } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  const id = idColumn(dialect);
  await db.schema
    .createTable('sandbox_messages')
    .addColumn('id', id.type, id.build)
    .addColumn('provider_message_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('crier_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'varchar(8)', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('html', 'text')
    .addColumn('headers', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', timestamp(dialect), (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sandbox_messages').execute();
}
