// What differs between the dialects in DDL: identity columns and the timestamp type.
import { PostgresAdapter, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<unknown>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Integer primary key: SQLite's rowid alias, PostgreSQL's identity column (bigint). */
export function idColumn(dialect: Dialect) {
  return dialect === 'postgres'
    ? { type: 'bigint' as const, build: (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity() }
    : { type: 'integer' as const, build: (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement() };
}

/** Epoch milliseconds: bigint (parsed to number by the store) or SQLite integer. */
export function timestamp(dialect: Dialect): 'bigint' | 'integer' {
  return dialect === 'postgres' ? 'bigint' : 'integer';
}
