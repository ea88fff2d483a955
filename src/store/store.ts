// Opens the database: a SQLite file by default, PostgreSQL for a postgres:// URL. One Kysely
// interface over both; the dialect name is kept for the few hot paths that differ.
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
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
import { databaseUrlProblem, hidePassword, isPostgresUrl, mayCreateDirectory, sqliteFile } from './location.js';
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

export { hidePassword, isPostgresUrl } from './location.js';

export function openStore(url: string, options: { poolSize?: number } = {}): Store {
  const problem = databaseUrlProblem(url);
  if (problem) throw new CrierError('config_invalid', `DATABASE_URL = ${JSON.stringify(hidePassword(url))}: ${problem}`);
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
      await reach(store.db, store.location);
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
  const location = hidePassword(url);
  return makeStore({ db, dialect: 'postgres', sqlite: null }, location, (work) =>
    db.connection().execute((own) => work({ db: own, dialect: 'postgres', sqlite: null })),
  );
}

function openSqlite(path: string): Store {
  const file = sqliteFile(path);
  // Only the default ./data is made here: a path in a directory that does not exist is a typo
  // (refused by databaseUrlProblem above), not a request for new directories.
  if (!existsSync(dirname(file)) && mayCreateDirectory(file)) mkdirSync(dirname(file), { recursive: true });
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
  let main: SqliteHandle;
  try {
    main = connect();
  } catch (err) {
    throw new CrierError('database_unavailable', `Cannot open the SQLite database ${file}: ${databaseErrorText(err)}`);
  }
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
      // A database that does not answer (no such role or database, refused, bad password) is
      // named as such, not as a failed migration.
      await reach(db, location);
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: `${MIGRATION_TABLE}_lock`,
      });
      const result = await migrator.migrateToLatest();
      if (result.error) {
        const cause = databaseErrorText(result.error);
        const failed = result.results?.find((r) => r.status === 'Error');
        // No migration ran: the migrator failed making or locking its own tables.
        throw failed
          ? new CrierError('internal', `Migration ${failed.migrationName} failed on ${location}: ${cause}`, { migration: failed.migrationName })
          : new CrierError('internal', `Cannot prepare the migration table ${MIGRATION_TABLE} on ${location}: ${cause}${privilegeHint(result.error, location)}`);
      }
      return result;
    },
    async close() {
      await db.destroy();
    },
  };
}

const MIGRATION_TABLE = 'crier_migrations';

/** Checks that the database answers, or says in one line where and why not. */
async function reach(db: Db, location: string): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    throw new CrierError('database_unavailable', `Cannot reach the database ${location}: ${databaseErrorText(err)}`);
  }
}

/** A driver's error as one line, with PostgreSQL's detail and hint kept. */
function databaseErrorText(err: unknown): string {
  const e = err as Error & { code?: string; detail?: string; hint?: string; errors?: Error[] };
  // A refused connection to a name with several addresses is an AggregateError without a message.
  const message = e.message || e.errors?.map((x) => x.message).join('; ') || e.code || String(err);
  return [message, e.detail, e.hint ? `hint: ${e.hint}` : undefined].filter(Boolean).join('; ').replace(/\s*\n\s*/g, ' ');
}

/** PostgreSQL 15 lets only the database's owner create tables in schema public: say how to fix it. */
function privilegeHint(err: unknown, location: string): string {
  if ((err as { code?: string }).code !== '42501') return '';
  const role = /^postgres(?:ql)?:\/\/([^:@/]+)[:@]/i.exec(location)?.[1] ?? 'the role in DATABASE_URL';
  return ` (make ${role} the database's owner, e.g. createdb --owner ${role}, or GRANT CREATE ON SCHEMA public TO ${role})`;
}
