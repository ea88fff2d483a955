// Users, sessions and API tokens: the one-time setup link, the last sign-in, and the indexes the
// guard and the audit search use.
import type { Kysely } from 'kysely';
import { dialectOf, idColumn, timestamp } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  const id = idColumn(dialect);
  const ts = timestamp(dialect);

  // Only a hash of the link's token is kept: the link itself appears once, in the start-up log.
  await db.schema
    .createTable('setup_tokens')
    .addColumn('id', id.type, id.build)
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('used_at', ts)
    .execute();

  await db.schema.alterTable('users').addColumn('last_sign_in_at', ts).execute();

  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
  await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_log_action').execute();
  await db.schema.dropIndex('api_tokens_user').execute();
  await db.schema.dropIndex('sessions_user').execute();
  await db.schema.alterTable('users').dropColumn('last_sign_in_at').execute();
  await db.schema.dropTable('setup_tokens').execute();
}
