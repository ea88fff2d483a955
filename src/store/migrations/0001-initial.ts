// The initial schema: every table DESIGN.md names. Applied migrations are never edited; later
// changes come as new files.
import { sql, type Kysely } from 'kysely';
import { dialectOf, idColumn, timestamp } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  const id = idColumn(dialect);
  const ts = timestamp(dialect);

  await db.schema
    .createTable('accounts')
    .addColumn('id', id.type, id.build)
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'varchar(16)')
    .addColumn('language', 'varchar(35)')
    .addColumn('timezone', 'varchar(64)')
    .addColumn('email_consent', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('sms_consent', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  // Only the UUID is indexed: every other index would slow a million-row import several times
  // over, and directory search by name or email scans (tens of milliseconds per 100k accounts).

  await db.schema
    .createTable('users')
    .addColumn('id', id.type, id.build)
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', ts)
    .addColumn('disabled_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', id.type, id.build)
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('last_used_at', ts)
    .addColumn('revoked_at', ts)
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('last_seen_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('templates')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('default_language', 'varchar(35)', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('sms', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('communications')
    .addColumn('id', id.type, id.build)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('draft'))
    .addColumn('step', 'varchar(16)', (c) => c.notNull().defaultTo('template'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    // No foreign key: a communication keeps its own copy of the content, so deleting the
    // template it came from must not touch it.
    .addColumn('template_id', 'bigint')
    .addColumn('default_language', 'varchar(35)', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('sms', 'text')
    .addColumn('created_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('sent_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('send_started_at', ts)
    .addColumn('finished_at', ts)
    .addColumn('cancelled_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('recipients_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('messages_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('messages_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('messages_send_failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('messages_cancelled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('messages_delivered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivery_errors', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expansion_cursor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('expansion_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('wait_reason', 'text')
    .execute();
  await db.schema.createIndex('communications_status').on('communications').columns(['status', 'id']).execute();

  await db.schema
    .createTable('recipients')
    .addColumn('id', id.type, id.build)
    .addColumn('communication_id', 'bigint', (c) =>
      c.notNull().references('communications.id').onDelete('cascade'),
    )
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
    .addUniqueConstraint('recipients_communication_account', ['communication_id', 'account_id'])
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', id.type, id.build)
    .addColumn('communication_id', 'bigint', (c) =>
      c.notNull().references('communications.id').onDelete('cascade'),
    )
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
    .addColumn('channel', 'varchar(8)', (c) => c.notNull())
    .addColumn('language', 'varchar(35)')
    .addColumn('address', 'text')
    .addColumn('send_state', 'varchar(16)', (c) => c.notNull())
    .addColumn('delivery_state', 'varchar(16)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', ts, (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', ts)
    .addColumn('provider', 'varchar(32)')
    .addColumn('provider_message_id', 'text')
    .addColumn('sent_at', ts)
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('delivery_error', 'text')
    .addColumn('delivery_updated_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  // The dispatcher's claim: queued rows of a channel in due order. Partial, so it stays small as
  // sent rows pile up.
  await db.schema
    .createIndex('messages_due')
    .on('messages')
    .columns(['channel', 'next_attempt_at', 'id'])
    .where(sql.ref('send_state'), '=', 'queued')
    .execute();
  // Expired leases are found without scanning the table.
  await db.schema
    .createIndex('messages_leased')
    .on('messages')
    .column('lease_expires_at')
    .where(sql.ref('send_state'), '=', 'handing_over')
    .execute();
  await db.schema.createIndex('messages_communication').on('messages').columns(['communication_id', 'id']).execute();
  // Delivery reports find their message by the provider's id. Partial: queued messages have none,
  // and a million index entries of NULL would only slow the expansion down.
  await db.schema
    .createIndex('messages_provider_id')
    .on('messages')
    .columns(['provider', 'provider_message_id'])
    .where(sql.ref('provider_message_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('delivery_events')
    .addColumn('id', id.type, id.build)
    .addColumn('provider', 'varchar(32)', (c) => c.notNull())
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('message_id', 'bigint', (c) => c.references('messages.id').onDelete('cascade'))
    .addColumn('provider_message_id', 'text')
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('occurred_at', ts, (c) => c.notNull())
    .addColumn('received_at', ts, (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addUniqueConstraint('delivery_events_once', ['provider', 'event_key'])
    .execute();
  await db.schema.createIndex('delivery_events_message').on('delivery_events').column('message_id').execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('id', id.type, id.build)
    .addColumn('channel', 'varchar(8)', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('reason', 'varchar(32)', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addUniqueConstraint('suppressions_address', ['channel', 'address'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', id.type, id.build)
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('actor_user_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target_type', 'target_id', 'id']).execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor_user_id', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('The initial migration cannot be reverted; restore a backup instead.');
}
