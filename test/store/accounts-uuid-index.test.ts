// Migration 0008 moves SQLite's one-account-per-UUID rule from a column constraint to a named
// index that a large import drops and builds again. Whatever path an import takes, the rule
// must hold afterwards; and a database made before 0008 must come through it whole.
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import { importAccounts } from '../../src/import/accounts-import.js';
import { applyStage, createStage, dropStage, stageRows, type StageRecord } from '../../src/store/account-import.queries.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openStore, isUniqueViolation, type Store } from '../../src/store/store.js';
import { accountsCsv, uuidFor } from '../harness/accounts.js';
import { createTestDatabase, DIALECTS } from '../harness/dialects.js';

const limits = { maxBytes: 64 * 1024 * 1024, maxRows: 500_000, maxFieldChars: 65_536 };

async function withStore<T>(dialect: (typeof DIALECTS)[number], work: (store: Store) => Promise<T>): Promise<T> {
  const database = await createTestDatabase(dialect);
  const store = openStore(database.url);
  try {
    return await work(store);
  } finally {
    await store.close();
    await database.drop();
  }
}

const importCsv = (store: Store, csv: string) =>
  importAccounts({ store, limits, defaultRegion: 'CA' }, [csv], { actor: CLI_ACTOR });

async function insertDuplicate(store: Store, uuid: string): Promise<unknown> {
  return store.db
    .insertInto('accounts')
    .values({ uuid, email_consent: 1, sms_consent: 1, attributes: '{}', created_at: 1, updated_at: 1 })
    .execute()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
}

describe.each(DIALECTS)('one account per UUID [%s]', (dialect) => {
  it('holds after an import into an empty directory (SQLite rebuilds the index) and after one into a fuller one', async () => {
    await withStore(dialect, async (store) => {
      await store.migrate();
      // 300 new accounts into none: on SQLite the index is dropped and built again.
      expect(await importCsv(store, accountsCsv(300, 1))).toMatchObject({ inserted: 300, applied: true });
      expect(isUniqueViolation(await insertDuplicate(store, uuidFor(150)))).toBe(true);
      // 20 more into 300: through the index, in UUID order.
      expect(await importCsv(store, accountsCsv(20, 10_001))).toMatchObject({ inserted: 20, applied: true });
      expect(isUniqueViolation(await insertDuplicate(store, uuidFor(10_010)))).toBe(true);
      const n = await store.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(320);
      if (dialect === 'sqlite') {
        const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT id FROM accounts WHERE uuid = ${uuidFor(7)}`.execute(store.db);
        expect(plan.rows.map((r) => r.detail).join(' ')).toContain('USING COVERING INDEX accounts_uuid_key');
      }
    });
  });
});

describe.each(DIALECTS)('applying a stage [%s]', (dialect) => {
  const newAccount = (n: number): StageRecord => [uuidFor(n), 'insert', `n${n}`, null, null, null, null, null, 1, 1, '{}'];

  it.each([
    // More new accounts than accounts held: on SQLite the uuid index is dropped and built again.
    ['fewer accounts held than staged', 1, 5],
    // More held than staged: the rows go in through the index.
    ['more accounts held than staged', 8, 2],
  ])('refuses a staged new account whose UUID is taken, and changes nothing (%s)', async (_, held, staged) => {
    await withStore(dialect, async (store) => {
      await store.migrate();
      await importCsv(store, accountsCsv(held, 100));
      const taken = 100 + held - 1;
      const result = await store.dedicated(async (conn) => {
        await createStage(conn.db);
        try {
          const records = [...Array(staged - 1).keys()].map((i) => newAccount(500 + i));
          await stageRows(conn, [...records, newAccount(taken)]);
          return await conn.db
            .transaction()
            .execute((trx) => applyStage(trx, conn.dialect, Date.now(), staged))
            .then(
              () => undefined,
              (e: unknown) => e,
            );
        } finally {
          await dropStage(conn.db);
        }
      });
      expect(isUniqueViolation(result)).toBe(true);
      const rows = await store.db.selectFrom('accounts').select('uuid').orderBy('uuid').execute();
      expect(rows.map((r) => r.uuid)).toEqual([...Array(held).keys()].map((i) => uuidFor(100 + i)));
      // The rule still holds after the failed apply (on SQLite the dropped index came back).
      expect(isUniqueViolation(await insertDuplicate(store, uuidFor(100)))).toBe(true);
    });
  });

  it('applies both ways to the same accounts', async () => {
    const applied = [];
    const byId: string[][] = [];
    for (const [held, staged] of [
      [1, 6],
      [9, 6],
    ] as const) {
      applied.push(
        await withStore(dialect, async (store) => {
          await store.migrate();
          await importCsv(store, accountsCsv(held, 100));
          await store.dedicated(async (conn) => {
            await createStage(conn.db);
            await stageRows(conn, [...Array(staged).keys()].map((i) => newAccount(900 - i)));
            await conn.db.transaction().execute((trx) => applyStage(trx, conn.dialect, 1234, staged));
            await dropStage(conn.db);
          });
          const ids = await store.db.selectFrom('accounts').select('uuid').where('uuid', '>=', uuidFor(800)).orderBy('id').execute();
          byId.push(ids.map((r) => r.uuid));
          return store.db
            .selectFrom('accounts')
            .select(['uuid', 'first_name', 'email_consent', 'attributes', 'created_at', 'updated_at'])
            .where('uuid', '>=', uuidFor(800))
            .orderBy('uuid')
            .execute();
        }),
      );
    }
    expect(applied[0]).toHaveLength(6);
    expect(applied[0]![0]).toEqual({ uuid: uuidFor(895), first_name: 'n895', email_consent: 1, attributes: '{}', created_at: 1234, updated_at: 1234 });
    expect(applied[1]).toEqual(applied[0]);
    // Which way each took shows in the ids: on SQLite, in file order (900 down to 895) when the
    // index was rebuilt, in UUID order when the rows went in through it.
    const fileOrder = [...Array(6).keys()].map((i) => uuidFor(900 - i));
    if (dialect === 'sqlite') expect(byId).toEqual([fileOrder, [...fileOrder].reverse()]);
  });
});

describe('migration 0008 on SQLite', () => {
  it('keeps every account, its id, the id counter and the rows that point at it', async () => {
    await withStore('sqlite', async (store) => {
      const migrator = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => migrations },
        migrationTableName: 'crier_migrations',
        migrationLockTableName: 'crier_migrations_lock',
      });
      const before = await migrator.migrateTo('0007-outcome-indexes');
      expect(before.error).toBeUndefined();
      const db = store.db;
      for (let i = 1; i <= 4; i++) {
        await sql`INSERT INTO accounts (uuid, first_name, email_consent, sms_consent, attributes, created_at, updated_at)
                  VALUES (${uuidFor(i)}, ${`n${i}`}, 1, 0, '{"plan":"x"}', ${i}, ${i})`.execute(db);
      }
      // The newest account is deleted: its id must not be handed out again after the rebuild.
      await sql`DELETE FROM accounts WHERE id = 4`.execute(db);
      await sql`INSERT INTO communications (name, default_language, created_at, updated_at) VALUES ('c', 'en', 1, 1)`.execute(db);
      await sql`INSERT INTO recipients (communication_id, line, account_id) VALUES (1, 2, 2)`.execute(db);
      await sql`INSERT INTO messages (communication_id, account_id, channel, send_state, next_attempt_at, created_at)
                VALUES (1, 3, 'email', 'queued', 1, 1)`.execute(db);
      const rowsBefore = await sql`SELECT * FROM accounts ORDER BY id`.execute(db);

      expect((await store.migrate()).error).toBeUndefined();

      expect((await sql`SELECT * FROM accounts ORDER BY id`.execute(db)).rows).toEqual(rowsBefore.rows);
      const ddl = await sql<{ sql: string }>`SELECT sql FROM sqlite_schema WHERE name = 'accounts'`.execute(db);
      expect(ddl.rows[0]!.sql).not.toMatch(/unique/i);
      expect(isUniqueViolation(await insertDuplicate(store, uuidFor(2)))).toBe(true);
      expect((await sql`PRAGMA foreign_key_check`.execute(db)).rows).toEqual([]);
      // Foreign keys are on again and still point at accounts.
      const orphan = await sql`INSERT INTO recipients (communication_id, line, account_id) VALUES (1, 3, 999)`.execute(db).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((orphan as { code?: string }).code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
      const next = await sql<{ id: number }>`INSERT INTO accounts (uuid, email_consent, sms_consent, attributes, created_at, updated_at)
                                             VALUES (${uuidFor(5)}, 1, 1, '{}', 5, 5) RETURNING id`.execute(db);
      expect(next.rows[0]!.id).toBe(5);
    });
  });
});
