// A communication's counters (messages expanded, sent, send failures, cancelled, delivered,
// delivery errors) move to rows of their own, in shards: each transaction that moves them adds its
// changes to one of a few rows of its communication picked at random, and readers add the rows up.
// Kept on the communication's own row, they made that row the one that every recorded batch and
// every delivery report updated: on PostgreSQL with three senders the counter updates queued on
// it for up to 3.8 s, and Cancel, which must write the same row, queued behind them.
import { sql, type Kysely } from 'kysely';

const COUNTERS = ['messages_total', 'messages_sent', 'messages_send_failed', 'messages_cancelled', 'messages_delivered', 'delivery_errors'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  let table = db.schema
    .createTable('communication_counts')
    .addColumn('communication_id', 'bigint', (c) => c.notNull().references('communications.id').onDelete('cascade'))
    .addColumn('shard', 'integer', (c) => c.notNull());
  for (const name of COUNTERS) table = table.addColumn(name, 'integer', (c) => c.notNull().defaultTo(0));
  await table.addPrimaryKeyConstraint('communication_counts_pk', ['communication_id', 'shard']).execute();
  // What was counted so far becomes shard 0.
  await sql`INSERT INTO communication_counts (communication_id, shard, ${sql.join(COUNTERS.map((c) => sql.ref(c)))})
    SELECT id, 0, ${sql.join(COUNTERS.map((c) => sql.ref(c)))} FROM communications`.execute(db);
  for (const name of COUNTERS) await db.schema.alterTable('communications').dropColumn(name).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of COUNTERS) await db.schema.alterTable('communications').addColumn(name, 'integer', (c) => c.notNull().defaultTo(0)).execute();
  for (const name of COUNTERS) {
    await sql`UPDATE communications SET ${sql.ref(name)} = (SELECT COALESCE(SUM(k.${sql.ref(name)}), 0) FROM communication_counts k WHERE k.communication_id = communications.id)`.execute(db);
  }
  await db.schema.dropTable('communication_counts').execute();
}
