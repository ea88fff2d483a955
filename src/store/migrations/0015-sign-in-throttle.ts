// Wrong passwords in a row, per account (the email as typed) and per client address, with the
// time before which the next attempt is refused: the sign-in throttle that replaces the lockout.
// Kept in the database so every API process counts the same attempts, on either dialect.
import type { Kysely } from 'kysely';
import { dialectOf, timestamp } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const ts = timestamp(dialectOf(db));
  await db.schema
    .createTable('sign_in_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('blocked_until', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  // The sweep of forgotten counts at each sign-in reads by age.
  await db.schema.createIndex('sign_in_throttle_updated').on('sign_in_throttle').column('updated_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sign_in_throttle').execute();
}
