// Store suites run once per dialect: SQLite always (a fresh file per suite), PostgreSQL when
// CRIER_TEST_POSTGRES_URL names a server (each suite creates a database of its own and drops it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openStore, type Dialect, type Store } from '../../src/store/store.js';

const POSTGRES_ADMIN_URL = process.env.CRIER_TEST_POSTGRES_URL;

export const DIALECTS: Dialect[] = POSTGRES_ADMIN_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  dialect: Dialect;
  /** The URL to give Crier (DATABASE_URL / --database). */
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'crier-test-'));
    return { dialect, url: join(dir, 'crier.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!POSTGRES_ADMIN_URL) throw new Error('CRIER_TEST_POSTGRES_URL is not set');
  const name = `crier_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface DialectContext {
  dialect: Dialect;
  /** The migrated store of this suite (open for the whole suite). */
  store(): Store;
  url(): string;
}

/** `describe` once per dialect, with a fresh migrated database for the block. */
export function describeEachDialect(title: string, body: (ctx: DialectContext) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect}]`, () => {
      let database: TestDatabase | undefined;
      let store: Store | undefined;
      beforeAll(async () => {
        database = await createTestDatabase(dialect);
        store = openStore(database.url);
        await store.migrate();
      });
      afterAll(async () => {
        await store?.close();
        await database?.drop();
      });
      body({
        dialect,
        store: () => store!,
        url: () => database!.url,
      });
    });
  }
}
