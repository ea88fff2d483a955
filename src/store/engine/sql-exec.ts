// The sending engine's way to the database: hand-written SQL with `?` placeholders, run as
// synchronous prepared statements on SQLite or through the PostgreSQL pool (placeholders become
// $n).
import { CompiledQuery } from 'kysely';
import { prepared } from '../bulk.js';
import type { Db, SqliteHandle } from '../store.js';

export interface SqlExec {
  readonly dialect: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; returns the rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  transaction<T>(work: (tx: SqlExec) => Promise<T>): Promise<T>;
}

/**
 * On SQLite the engine shares the one handle Kysely uses, and holds Kysely's connection lock for
 * every statement and transaction: two handles in one process could otherwise deadlock (a
 * synchronous busy-wait on one blocks the event loop the other needs to commit).
 */
export function sqliteExec(db: Db, handle: SqliteHandle): SqlExec {
  const direct: SqlExec = {
    dialect: 'sqlite',
    async all<T>(sql: string, params: readonly unknown[] = []) {
      return prepared(handle, sql).all([...params]) as T[];
    },
    async run(sql, params = []) {
      return prepared(handle, sql).run([...params]).changes;
    },
    transaction: (work) => work(direct),
  };
  const locked = <T>(work: () => Promise<T>) => db.connection().execute(work);
  return {
    dialect: 'sqlite',
    all: (sql, params) => locked(() => direct.all(sql, params)),
    run: (sql, params) => locked(() => direct.run(sql, params)),
    transaction: (work) =>
      locked(async () => {
        // IMMEDIATE: take the write lock at BEGIN, so reads inside see what the writes will change.
        handle.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(direct);
          handle.exec('COMMIT');
          return result;
        } catch (err) {
          if (handle.inTransaction) handle.exec('ROLLBACK');
          throw err;
        }
      }),
  };
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

export function postgresExec(db: Db): SqlExec {
  const cache = new Map<string, string>();
  const text = (sql: string) => {
    let converted = cache.get(sql);
    if (converted === undefined) cache.set(sql, (converted = toPostgres(sql)));
    return converted;
  };
  const on = (target: Db): SqlExec => ({
    dialect: 'postgres',
    async all<T>(sql: string, params: readonly unknown[] = []) {
      return (await target.executeQuery<T>(CompiledQuery.raw(text(sql), [...params]))).rows;
    },
    async run(sql, params = []) {
      const result = await target.executeQuery(CompiledQuery.raw(text(sql), [...params]));
      return Number(result.numAffectedRows ?? 0);
    },
    transaction: (work) => target.transaction().execute((trx) => work(on(trx))),
  });
  return on(db);
}
