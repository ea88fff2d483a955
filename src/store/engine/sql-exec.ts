// The sending engine's way to the database: hand-written SQL with `?` placeholders, run as
// synchronous prepared statements on SQLite or through the PostgreSQL pool (placeholders become
// $n). `db` is Kysely on the same connection (and, inside a transaction, in it), for the few
// writes shared with the rest of Crier, such as the audit log.
import { CompiledQuery } from 'kysely';
import { prepared } from '../bulk.js';
import type { Db, SqliteHandle } from '../store.js';

export interface SqlExec {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Db;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Runs one statement once per parameter list, in order; the rows each changed. On SQLite one
   * prepared statement in a plain loop (a thousand awaited calls cost more than the statements).
   */
  runEach(sql: string, rows: readonly (readonly unknown[])[]): Promise<number[]>;
  /** One transaction; on PostgreSQL a deadlock or serialization failure runs `work` again. */
  transaction<T>(work: (tx: SqlExec) => Promise<T>): Promise<T>;
}

/**
 * On SQLite the engine shares the one handle Kysely uses, and holds Kysely's connection lock for
 * every statement and transaction: two handles in one thread could otherwise deadlock (a
 * synchronous busy-wait on one blocks the event loop the other needs to commit). Another thread
 * (the sender of `crier serve`) has a handle of its own.
 */
export function sqliteExec(db: Db, handle: SqliteHandle): SqlExec {
  const direct = (on: Db): SqlExec => ({
    dialect: 'sqlite',
    db: on,
    async all<T>(sql: string, params: readonly unknown[] = []) {
      return prepared(handle, sql).all([...params]) as T[];
    },
    async run(sql, params = []) {
      return prepared(handle, sql).run([...params]).changes;
    },
    async runEach(sql, rows) {
      const statement = prepared(handle, sql);
      // Each row's values as arguments, not an array: no copy a row, and ~3 % less a statement.
      const run = statement.run.bind(statement) as (...values: unknown[]) => { changes: number };
      return rows.map((params) => run(...params).changes);
    },
    transaction: (work) => work(direct(on)),
  });
  const locked = <T>(work: (conn: Db) => Promise<T>) => db.connection().execute(work);
  return {
    dialect: 'sqlite',
    db,
    all: (sql, params) => locked((conn) => direct(conn).all(sql, params)),
    run: (sql, params) => locked((conn) => direct(conn).run(sql, params)),
    runEach: (sql, rows) => locked((conn) => direct(conn).runEach(sql, rows)),
    transaction: (work) =>
      locked(async (conn) => {
        // IMMEDIATE: take the write lock at BEGIN, so reads inside see what the writes will change.
        handle.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(direct(conn));
          handle.exec('COMMIT');
          return result;
        } catch (err) {
          if (handle.inTransaction) handle.exec('ROLLBACK');
          throw err;
        }
      }),
  };
}

/**
 * `column` is one of `ids`, as one bound parameter whatever their number: an array on
 * PostgreSQL, a JSON text on SQLite. Answers the condition and its parameter.
 */
export function inIds(exec: Pick<SqlExec, 'dialect'>, column: string, ids: readonly number[]): [string, unknown] {
  return exec.dialect === 'postgres'
    ? [`${column} = ANY(?::bigint[])`, [...ids]]
    : [`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(ids)];
}

/** The engine's executor for this store. */
export function engineExec(store: { db: Db; sqlite: SqliteHandle | null }): SqlExec {
  return store.sqlite ? sqliteExec(store.db, store.sqlite) : postgresExec(store.db);
}

/** `?` → `$1, $2, …` (the engine's SQL has no `?` inside string literals). */
export function toPostgres(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** deadlock_detected, serialization_failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 5;

/** Runs `work` again (after a short random pause) while PostgreSQL refuses it as a deadlock or serialization failure. */
export async function retryingConflicts<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= ATTEMPTS || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

export function postgresExec(db: Db): SqlExec {
  const cache = new Map<string, string>();
  const text = (sql: string) => {
    let converted = cache.get(sql);
    if (converted === undefined) cache.set(sql, (converted = toPostgres(sql)));
    return converted;
  };
  const on = (target: Db, top: boolean): SqlExec => {
    // Inside a transaction a failure is the transaction's to retry, not the statement's.
    const guard = <T>(work: () => Promise<T>) => (top ? retryingConflicts(work) : work());
    return {
      dialect: 'postgres',
      db: target,
      all: <T>(sql: string, params: readonly unknown[] = []) => guard(async () => (await target.executeQuery<T>(CompiledQuery.raw(text(sql), [...params]))).rows),
      run: (sql, params = []) =>
        guard(async () => Number((await target.executeQuery(CompiledQuery.raw(text(sql), [...params]))).numAffectedRows ?? 0)),
      runEach: async (sql, rows) => {
        const changed: number[] = [];
        for (const params of rows) changed.push(Number((await target.executeQuery(CompiledQuery.raw(text(sql), [...params]))).numAffectedRows ?? 0));
        return changed;
      },
      transaction: (work) => (top ? retryingConflicts(() => target.transaction().execute((trx) => work(on(trx, false)))) : work(on(target, false))),
    };
  };
  return on(db, true);
}
