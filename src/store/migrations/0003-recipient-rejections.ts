// The rows a recipients upload rejected, kept with the draft so the operator can download them
// after the report is gone. Replaced together with the recipients on every upload.
import type { Kysely } from 'kysely';
import { dialectOf, idColumn } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const id = idColumn(dialectOf(db));
  await db.schema
    .createTable('recipient_rejections')
    .addColumn('id', id.type, id.build)
    .addColumn('communication_id', 'bigint', (c) =>
      c.notNull().references('communications.id').onDelete('cascade'),
    )
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('reason', 'varchar(32)', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  // One rejection per line: the download pages through a communication's rows by line.
  await db.schema
    .createIndex('recipient_rejections_line')
    .unique()
    .on('recipient_rejections')
    .columns(['communication_id', 'line'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recipient_rejections').execute();
}
