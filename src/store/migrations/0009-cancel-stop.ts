// Cancel stops a communication in one short transaction whatever its size: from its commit no
// message of it is claimed, and the sender then turns its queued messages into cancelled ones a
// chunk at a time. `stop_pending` marks the communications whose queued messages are not all
// stopped yet, so the sender finds them without scanning messages.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('communications').addColumn('stop_pending', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('communications').dropColumn('stop_pending').execute();
}
