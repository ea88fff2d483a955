// A migration that fails names itself and the database; a database Crier cannot reach, or cannot
// create its migration table in, says so in one line, not "Migration (unknown) failed".
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrierError } from '../../src/domain/errors.js';
import { openStore } from '../../src/store/store.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../harness/dialects.js';

const ADMIN_URL = process.env.CRIER_TEST_POSTGRES_URL;

async function migrateError(url: string): Promise<CrierError> {
  const store = openStore(url);
  try {
    await store.migrate();
  } catch (err) {
    return err as CrierError;
  } finally {
    await store.close();
  }
  throw new Error('the migration succeeded');
}

for (const dialect of DIALECTS) {
  describe(`a failing migration [${dialect}]`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      // A table of migration 0001 that is already there: 0001 fails.
      const store = openStore(database.url);
      await store.db.schema.createTable('accounts').addColumn('id', 'integer').execute();
      await store.close();
    });
    afterAll(() => database.drop());

    it('is named, with the database and the driver’s reason', async () => {
      const err = await migrateError(database.url);
      expect(err).toBeInstanceOf(CrierError);
      expect(err.message).toMatch(/^Migration 0001-initial failed on \S+: .*accounts.* already exists/);
      expect(err.message).not.toContain('\n');
      expect(err.details).toEqual({ migration: '0001-initial' });
    });
  });
}

describe.skipIf(!ADMIN_URL)('before any migration [postgres]', () => {
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const role = `crier_norights_${suffix}`;
  let database: TestDatabase;
  let admin: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    // What `createdb crier` leaves on a stock PostgreSQL 15: a database the role does not own.
    await admin.query(`CREATE ROLE ${role} LOGIN`);
  });
  afterAll(async () => {
    await database.drop();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  const as = (user: string) => {
    const url = new URL(database.url);
    url.username = user;
    url.password = '';
    return url.toString();
  };

  it('a role without CREATE on schema public: what failed, where, and how to fix it', async () => {
    const err = await migrateError(as(role));
    expect(err.message).not.toMatch(/unknown/);
    expect(err.message).toMatch(new RegExp(`^Cannot prepare the migration table crier_migrations on postgres://${role}@\\S+: permission denied for schema public`));
    expect(err.message).toMatch(new RegExp(`createdb --owner ${role}`));
    expect(err.message).not.toContain('\n');
  });

  it('a role that does not exist: the database cannot be reached, and why', async () => {
    const err = await migrateError(as(`crier_nobody_${suffix}`));
    expect(err.code).toBe('database_unavailable');
    expect(err.message).toMatch(new RegExp(`^Cannot reach the database postgres://crier_nobody_${suffix}@\\S+: role "crier_nobody_${suffix}" does not exist`));
  });
});
