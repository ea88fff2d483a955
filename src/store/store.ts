// Opens the database: a SQLite file by default, PostgreSQL for a postgres:// URL. One Kysely
// interface over both; the dialect name is kept for the few hot paths that differ.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type MigrationResultSet,
} from 'kysely';
import type pg from 'pg';
import { CrierError } from '../domain/errors.js';
import { migrations } from './migrations/index.js';
import type { Dialect } from './migrations/helpers.js';
import type { Database } from './schema.js';

export type { Dialect } from './migrations/helpers.js';
export type Db = Kysely<Database>;
export type SqliteHandle = SqliteDatabase.Database;

/** A way to the database: Kysely for everything, the raw SQLite handle for prepared hot paths. */
export interface Connection {
  readonly db: Db;
  readonly dialect: Dialect;
  /** The better-sqlite3 handle behind `db` on SQLite; null on PostgreSQL. */
  readonly sqlite: SqliteHandle | null;
}

export interface Store extends Connection {
  /** Where the data lives, with any password hidden: for logs and messages. */
  readonly location: string;
  /**
   * Runs `work` on a connection of its own, for long jobs (imports) that keep temporary tables:
   * on SQLite a second connection to the same file, so the shared one stays free for the API;
   * on PostgreSQL one pooled connection held for the duration.
   */
  dedicated<T>(work: (conn: Connection) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  migrate(): Promise<MigrationResultSet>;
  close(): Promise<void>;
}

/** Whether a database error is a unique constraint's refusal, on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export function openStore(url: string, options: { poolSize?: number } = {}): Store {
  return isPostgresUrl(url) ? openPostgres(url, options.poolSize ?? 10) : openSqlite(url);
}

/**
 * Opens the store and brings its schema up to date (logging what was applied), or, with
 * `migrate` false, only checks that the database answers. Closes the store if that fails.
 */
export async function openMigratedStore(url: string, logger: { info(data: object, msg: string): void }, migrate = true): Promise<Store> {
  const store = openStore(url);
  try {
    if (migrate) {
      const result = await store.migrate();
      const applied = result.results?.map((r) => r.migrationName) ?? [];
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    } else {
      await store.ping();
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/** Loaded for a PostgreSQL URL only: a SQLite process has no use for the driver (~10 MB). */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

function openPostgres(url: string, poolSize: number): Store {
  const pg = loadPg();
  // bigint ids, counters and epoch-millisecond timestamps stay well inside 2^53: read them as numbers.
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === PG_INT8 || oid === PG_NUMERIC) return (value: string) => Number(value);
      return pg.types.getTypeParser(oid, format);
    },
  } as pg.CustomTypesConfig;
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  // An idle connection closed by the server (restart, failover, admin) must not crash the
  // process: the pool drops that client by itself and the next query opens a new one.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const location = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return makeStore({ db, dialect: 'postgres', sqlite: null }, location, (work) =>
    db.connection().execute((own) => work({ db: own, dialect: 'postgres', sqlite: null })),
  );
}

function openSqlite(path: string): Store {
  const file = resolve(path.replace(/^sqlite:(\/\/)?/, ''));
  mkdirSync(dirname(file), { recursive: true });
  const connect = () => {
    const handle = new SqliteDatabase(file);
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 10000');
    // Temporary tables of imports may hold a million rows: keep them in a file, not in memory.
    handle.pragma('temp_store = FILE');
    return handle;
  };
  const main = connect();
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: main }) });
  return makeStore({ db, dialect: 'sqlite', sqlite: main }, file, async (work) => {
    const handle = connect();
    // Long jobs touch many pages of large indexes: a page cache of 16 MiB saves most of their
    // random I/O; more buys little and costs memory. Temporary tables are written in order and
    // read once: 2 MiB serves them.
    handle.pragma('cache_size = -16384');
    handle.pragma('temp.cache_size = -2048');
    const own = new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
    try {
      return await work({ db: own, dialect: 'sqlite', sqlite: handle });
    } finally {
      await own.destroy();
    }
  });
}

function makeStore(
  conn: Connection,
  location: string,
  dedicated: <T>(work: (conn: Connection) => Promise<T>) => Promise<T>,
): Store {
  const { db } = conn;
  return {
    ...conn,
    location,
    dedicated,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async migrate() {
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        migrationTableName: 'crier_migrations',
        migrationLockTableName: 'crier_migrations_lock',
      });
      const result = await migrator.migrateToLatest();
      if (result.error) {
        const failed = result.results?.find((r) => r.status === 'Error');
        throw new CrierError(
          'internal',
          `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${(result.error as Error).message}`,
        );
      }
      return result;
    },
    async close() {
      await db.destroy();
    },
  };
}
