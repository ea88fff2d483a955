// Set-wise statements for hot paths, written by hand because they differ by dialect: SQLite
// takes multi-row VALUES (bounded by its 32,766 parameters), PostgreSQL takes one array per
// column through unnest(), a single statement whatever the row count.
import { CompiledQuery } from 'kysely';
import type { Db, Dialect } from './store.js';

export interface BulkColumn {
  name: string;
  /** PostgreSQL array element type for unnest(): text, bigint, integer… */
  pgType: string;
}

const SQLITE_MAX_PARAMS = 32_000;

/**
 * INSERT INTO table (columns) VALUES … `suffix` (e.g. an ON CONFLICT clause). Returns the number
 * of rows the database reports as inserted.
 */
export async function insertRows(
  db: Db,
  dialect: Dialect,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly unknown[][],
  suffix = '',
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = columns.map((c) => c.name).join(', ');
  if (dialect === 'postgres') {
    const arrays = columns.map((_, i) => rows.map((r) => r[i] ?? null));
    const unnest = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
    const sql = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) ${suffix}`;
    const result = await db.executeQuery(CompiledQuery.raw(sql, arrays));
    return Number(result.numAffectedRows ?? 0);
  }
  const perStatement = Math.max(1, Math.floor(SQLITE_MAX_PARAMS / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  let affected = 0;
  for (let start = 0; start < rows.length; start += perStatement) {
    const slice = rows.slice(start, start + perStatement);
    const sql = `INSERT INTO ${table} (${names}) VALUES ${Array(slice.length).fill(tuple).join(', ')} ${suffix}`;
    const result = await db.executeQuery(CompiledQuery.raw(sql, slice.flat()));
    affected += Number(result.numAffectedRows ?? 0);
  }
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
