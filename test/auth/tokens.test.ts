// API tokens: shown once, stored hashed, acting with the user's role, revocable, and their use
// recorded at most once a minute.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sha256Hex } from '../../src/services/secrets.js';
import { describeEachDialect } from '../harness/dialects.js';
import { bearer, createToken, createUser, startAuthServer, type AuthTestServer } from '../harness/auth.js';

describeEachDialect('API tokens', (ctx) => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthServer(ctx.url());
  });
  afterAll(async () => t?.close());

  const lastUsed = async (id: number) =>
    (await ctx.store().db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at;

  it('creates a token shown once and stored as its SHA-256 only', async () => {
    const user = await createUser(t.app, 'sender');
    const first = await createToken(t.app, user.id);
    const res = await t.server.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'deploy script' }, headers: bearer(first) });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created.token).toMatch(/^crier_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'deploy script', user: { id: user.id, email: user.email }, lastUsedAt: null, revokedAt: null });

    const row = await ctx.store().db.selectFrom('api_tokens').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256Hex(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(6));

    const listed = await t.server.inject({ url: '/api/tokens', headers: bearer(created.token) });
    expect(listed.json().items.map((x: { name: string }) => x.name)).toEqual(['deploy script', 'test']);
    expect(listed.body).not.toContain(created.token);
  });

  it("acts as its user with the user's current role", async () => {
    const user = await createUser(t.app, 'viewer');
    const token = await createToken(t.app, user.id);
    const me = await t.server.inject({ url: '/api/session', headers: bearer(token) });
    expect(me.json()).toMatchObject({ user: { id: user.id, role: 'viewer' }, csrfToken: null });
    const denied = await t.server.inject({ method: 'POST', url: '/api/accounts/import', headers: { ...bearer(token), 'content-type': 'text/csv' }, payload: 'uuid\n' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');

    await t.app.auth.users.update(user.id, { role: 'sender' }, { userId: null, label: 'test' });
    const allowed = await t.server.inject({ method: 'POST', url: '/api/accounts/import', headers: { ...bearer(token), 'content-type': 'text/csv' }, payload: 'uuid\n' });
    expect(allowed.json().error?.code).not.toBe('forbidden');
  });

  it('stops working once revoked, and is revoked only by its owner or an admin', async () => {
    const owner = await createUser(t.app, 'sender');
    const other = await createUser(t.app, 'sender');
    const admin = await createUser(t.app, 'admin');
    const token = await createToken(t.app, owner.id, 'to revoke');
    const { id } = (await t.app.auth.tokens.list(owner.id))[0]!;

    const byOther = await t.server.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: bearer(await createToken(t.app, other.id)) });
    expect(byOther.statusCode).toBe(404);
    expect((await t.server.inject({ url: '/api/session', headers: bearer(token) })).statusCode).toBe(200);

    const byOwner = await t.server.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: bearer(token) });
    expect(byOwner.statusCode).toBe(204);
    const after = await t.server.inject({ url: '/api/session', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthorized');
    expect((await t.app.auth.tokens.list(owner.id))[0]!.revokedAt).not.toBeNull();

    const second = await createToken(t.app, owner.id, 'admin revokes');
    const { id: secondId } = (await t.app.auth.tokens.list(owner.id))[0]!;
    const byAdmin = await t.server.inject({ method: 'DELETE', url: `/api/tokens/${secondId}`, headers: bearer(await createToken(t.app, admin.id)) });
    expect(byAdmin.statusCode).toBe(204);
    expect((await t.server.inject({ url: '/api/session', headers: bearer(second) })).statusCode).toBe(401);

    const audit = await t.app.auth.audit.list({ target: `api_token:${id}`, page: 1, pageSize: 5 });
    expect(audit.items.map((e) => e.action)).toEqual(['tokens.revoked', 'tokens.created']);
  });

  it('records last use at most once a minute', async () => {
    const user = await createUser(t.app, 'viewer');
    const token = await createToken(t.app, user.id);
    const { id } = (await t.app.auth.tokens.list(user.id))[0]!;
    const use = () => t.server.inject({ url: '/api/tokens', headers: bearer(token) });
    expect(await lastUsed(id)).toBeNull();

    const first = t.clock.now();
    await use();
    expect(Number(await lastUsed(id))).toBe(first);
    t.clock.advance(30_000);
    await use();
    expect(Number(await lastUsed(id))).toBe(first);
    t.clock.advance(30_000);
    await use();
    expect(Number(await lastUsed(id))).toBe(first + 60_000);
  });

  it('lets an admin, and only an admin, create a token for someone else', async () => {
    const admin = await createUser(t.app, 'admin');
    const sender = await createUser(t.app, 'sender');
    const viewer = await createUser(t.app, 'viewer');
    const forViewer = await t.server.inject({
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'service', userId: viewer.id },
      headers: bearer(await createToken(t.app, admin.id)),
    });
    expect(forViewer.statusCode).toBe(201);
    expect(forViewer.json().user.id).toBe(viewer.id);
    const refused = await t.server.inject({
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'sneaky', userId: viewer.id },
      headers: bearer(await createToken(t.app, sender.id)),
    });
    expect(refused.statusCode).toBe(403);

    const all = await t.server.inject({ url: `/api/tokens?userId=${viewer.id}`, headers: bearer(await createToken(t.app, admin.id)) });
    expect(all.json().items.map((x: { name: string }) => x.name)).toEqual(['service']);
    const own = await t.server.inject({ url: `/api/tokens?userId=${viewer.id}`, headers: bearer(await createToken(t.app, sender.id)) });
    expect(own.json().items.every((x: { user: { id: number } }) => x.user.id === sender.id)).toBe(true);
  });

  it("refuses tokens of a disabled user, and malformed or unknown ones, in the error shape", async () => {
    const user = await createUser(t.app, 'viewer');
    const token = await createToken(t.app, user.id);
    await t.app.auth.users.update(user.id, { disabled: true }, { userId: null, label: 'test' });
    for (const authorization of [`Bearer ${token}`, 'Bearer crier_nope', `Basic ${token}`, `Bearer crier_${'A'.repeat(43)}`]) {
      const res = await t.server.inject({ url: '/api/tokens', headers: { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });
});
