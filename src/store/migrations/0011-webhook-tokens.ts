// Webhook tokens already accepted, so a captured signed call cannot be replayed (Mailgun signs a
// timestamp and a token; a token is accepted once). Rows are kept until the signature would be
// too old to accept anyway, then swept.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_tokens')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_tokens_pk', ['provider', 'token'])
    .execute();
  await db.schema.createIndex('webhook_tokens_expiry').on('webhook_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_tokens').execute();
}
