// Set-wise statements for hot paths, written by hand because they differ by dialect. On SQLite
// a prepared INSERT of ten rows' VALUES, run in a loop inside a transaction, is fastest: a third
// cheaper a row than a prepared single-row INSERT (fewer calls into the driver and steps of the
// statement), and prepared once, unlike a VALUES list sized to each batch; PostgreSQL takes one
// array per column through unnest(): a single round trip whatever the row count.
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
  if (conn.dialect === 'postgres') {
    return insertUnnest(conn, table, columns, columns.map((_, i) => rows.map((r) => r[i] ?? null)), suffix);
  }
  // Rows come here in batches of a few thousand at most: laying them end to end costs little.
  return insertGrouped(conn.sqlite!, table, columns, suffix, rows.flat());
}

/**
 * insertRows for rows laid end to end in one array (`values.length / columns.length` rows): no
 * array a row, for the hottest paths.
 */
export async function insertFlat(
  conn: Connection,
  table: string,
  columns: readonly BulkColumn[],
  values: readonly unknown[],
  suffix = '',
): Promise<number> {
  if (values.length === 0) return 0;
  const width = columns.length;
  if (conn.dialect === 'postgres') {
    const arrays = columns.map((_, c) => {
      const column: unknown[] = [];
      for (let at = c; at < values.length; at += width) column.push(values[at] ?? null);
      return column;
    });
    return insertUnnest(conn, table, columns, arrays, suffix);
  }
  return insertGrouped(conn.sqlite!, table, columns, suffix, values);
}

/** PostgreSQL: every row in one statement, one array per column through unnest(). */
async function insertUnnest(conn: Connection, table: string, columns: readonly BulkColumn[], arrays: unknown[][], suffix: string): Promise<number> {
  const names = columns.map((c) => c.name).join(', ');
  const unnest = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
  const sql = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) ${suffix}`;
  const result = await conn.db.executeQuery(CompiledQuery.raw(sql, arrays));
  return Number(result.numAffectedRows ?? 0);
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

/** Rows a grouped INSERT takes at once; more buys nothing measurable. */
const GROUP = 10;

/** SQLite: `values` (rows end to end) by a prepared ten-row INSERT, the rest row by row, in one transaction. */
function insertGrouped(handle: SqliteHandle, table: string, columns: readonly BulkColumn[], suffix: string, values: readonly unknown[]): number {
  const width = columns.length;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const head = `INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES`;
  const group = prepared(handle, `${head} ${Array<string>(GROUP).fill(tuple).join(', ')} ${suffix}`);
  const single = prepared(handle, `${head} ${tuple} ${suffix}`);
  const full = values.length - (values.length % (GROUP * width));
  let affected = 0;
  handle.transaction(() => {
    const params = new Array<unknown>(GROUP * width);
    for (let at = 0; at < full; at += GROUP * width) {
      for (let i = 0; i < params.length; i++) params[i] = values[at + i];
      affected += group.run(params).changes;
    }
    for (let at = full; at < values.length; at += width) affected += single.run(values.slice(at, at + width)).changes;
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
