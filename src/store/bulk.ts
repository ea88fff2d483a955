// Set-wise statements for hot paths, written by hand because they differ by dialect. On SQLite
// one prepared single-row INSERT run in a loop inside a transaction is fastest (~2 µs a row,
// half the cost of multi-row VALUES, which SQLite must parse anew each time); PostgreSQL takes
// one array per column through unnest(): a single round trip whatever the row count.
import { CompiledQuery } from 'kysely';
import type { Connection, Dialect, SqliteHandle } from './store.js';

export interface BulkColumn {
  name: string;
  /** PostgreSQL array element type for unnest(): text, bigint, integer… */
  pgType: string;
}


/**
 * INSERT INTO table (columns) VALUES … `suffix` (e.g. an ON CONFLICT clause). Returns the number
 * of rows the database reports as inserted.
 */
export async function insertRows(
  conn: Connection,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly unknown[][],
  suffix = '',
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = columns.map((c) => c.name).join(', ');
  if (conn.dialect === 'postgres') {
    const arrays = columns.map((_, i) => rows.map((r) => r[i] ?? null));
    const unnest = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
    const sql = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) ${suffix}`;
    const result = await conn.db.executeQuery(CompiledQuery.raw(sql, arrays));
    return Number(result.numAffectedRows ?? 0);
  }
  return insertPrepared(conn.sqlite!, `INSERT INTO ${table} (${names}) VALUES (${columns.map(() => '?').join(', ')}) ${suffix}`, rows);
}

const statements = new WeakMap<SqliteHandle, Map<string, ReturnType<SqliteHandle['prepare']>>>();

/** A prepared statement of this handle, prepared once. */
export function prepared(handle: SqliteHandle, sql: string): ReturnType<SqliteHandle['prepare']> {
  let cache = statements.get(handle);
  if (!cache) statements.set(handle, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = handle.prepare(sql)));
  return statement;
}

function insertPrepared(handle: SqliteHandle, sql: string, rows: readonly unknown[][]): number {
  const run = prepared(handle, sql);
  let affected = 0;
  handle.transaction(() => {
    for (const row of rows) affected += run.run(row).changes;
  })();
  return affected;
}

/** `column IN (…)` for a list of values: one array parameter on PostgreSQL, placeholders on SQLite. */
export function inList(
  dialect: Dialect,
  column: string,
  values: readonly unknown[],
  pgType: string,
  firstParam = 1,
): { sql: string; params: unknown[] } {
  if (dialect === 'postgres') return { sql: `${column} = ANY($${firstParam}::${pgType}[])`, params: [values] };
  return { sql: `${column} IN (${values.map(() => '?').join(', ')})`, params: [...values] };
}
