// The audit log: written in the transaction of the change it records, and searchable by admins.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_ACTOR, type Actor } from '../../src/domain/actor.js';
import { recordAudit } from '../../src/store/audit.queries.js';
import { accountsCsv } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';
import { bearer, createToken, createUser, startAuthServer, type AuthTestServer } from '../harness/auth.js';

describeEachDialect('audit log', (ctx) => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthServer(ctx.url());
  });
  afterAll(async () => t?.close());

  const auditRows = async (targetId: string) =>
    ctx.store().db.selectFrom('audit_log').selectAll().where('target_id', '=', targetId).execute();

  it('commits the audit row with the change and rolls it back with a failed one', async () => {
    const db = ctx.store().db;
    const at = Date.now();
    const insert = (trx: typeof db, email: string) =>
      trx.insertInto('users').values({ email, first_name: 'T', last_name: 'X', role: 'viewer', created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();

    const kept = await db.transaction().execute(async (trx) => {
      const { id } = await insert(trx, 'committed@example.com');
      await recordAudit(trx, CLI_ACTOR, { action: 'users.created', targetType: 'user', targetId: `tx-${id}`, summary: 'kept' });
      return id;
    });
    expect(await auditRows(`tx-${kept}`)).toHaveLength(1);

    let lost = 0;
    await expect(
      db.transaction().execute(async (trx) => {
        const { id } = await insert(trx, 'rolled@example.com');
        lost = Number(id);
        await recordAudit(trx, CLI_ACTOR, { action: 'users.created', targetType: 'user', targetId: `tx-${id}`, summary: 'lost' });
        throw new Error('the change fails after its audit row was written');
      }),
    ).rejects.toThrow(/change fails/);
    expect(await auditRows(`tx-${lost}`)).toHaveLength(0);
    expect(await db.selectFrom('users').select('id').where('email', '=', 'rolled@example.com').execute()).toHaveLength(0);
  });

  it('undoes a service change whose audit row cannot be written', async () => {
    const broken = { userId: null, label: null } as unknown as Actor; // audit_log.actor is NOT NULL
    await expect(
      t.app.auth.users.create({ email: 'unaudited@example.com', firstName: 'U', lastName: 'N', role: 'viewer', password: 'long enough password' }, broken),
    ).rejects.toThrow();
    const rows = await ctx.store().db.selectFrom('users').select('id').where('email', '=', 'unaudited@example.com').execute();
    expect(rows).toHaveLength(0);
  });

  it('records the account import of an API caller under their name', async () => {
    const sender = await createUser(t.app, 'sender', 'importer');
    const res = await t.server.inject({
      method: 'POST',
      url: '/api/accounts/import',
      headers: { ...bearer(await createToken(t.app, sender.id)), 'content-type': 'text/csv' },
      payload: accountsCsv(3),
    });
    expect(res.json()).toMatchObject({ inserted: 3 });
    const audit = await t.app.auth.audit.list({ action: 'accounts.imported', actor: String(sender.id), page: 1, pageSize: 5 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]!.actor.label).toBe(`Test sender <${sender.email}>`);
  });

  it('lets admins search newest first by target, actor and action, and page', async () => {
    const admin = await createUser(t.app, 'admin', 'auditor');
    const headers = bearer(await createToken(t.app, admin.id));
    const subject = await createUser(t.app, 'viewer', 'subject');
    for (const role of ['sender', 'admin', 'viewer']) {
      await t.server.inject({ method: 'PATCH', url: `/api/users/${subject.id}`, headers, payload: { role } });
    }
    const ask = async (query: string) => (await t.server.inject({ url: `/api/audit?${query}`, headers })).json();

    const byTarget = await ask(`target=user:${subject.id}`);
    expect(byTarget.items.map((e: { summary: string }) => e.summary)).toEqual([
      expect.stringMatching(/role admin → viewer/),
      expect.stringMatching(/role sender → admin/),
      expect.stringMatching(/role viewer → sender/),
      expect.stringMatching(/^Created viewer/),
    ]);
    expect(byTarget.items[0]).toMatchObject({ actor: { userId: admin.id }, action: 'users.updated', target: { type: 'user', id: String(subject.id) } });
    expect((await ask(`actor=${admin.id}&action=users.updated`)).total).toBe(3);
    expect((await ask(`actor=auditor.&action=users.*`)).total).toBe(3);
    expect((await ask('actor=cli&action=users.created')).total).toBeGreaterThanOrEqual(3);
    const page2 = await ask(`target=user:${subject.id}&pageSize=3&page=2`);
    expect(page2).toMatchObject({ page: 2, pageSize: 3, total: 4 });
    expect(page2.items[0].summary).toMatch(/^Created viewer/);
    expect((await ask('target=:5')).error.code).toBe('validation_failed');
  });
});
