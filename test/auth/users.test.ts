// Users managed by admins through the API: create, change, disable, delete, and never lose the
// last admin.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../harness/dialects.js';
import { bearer, createToken, createUser, signIn, startAuthServer, type AuthTestServer } from '../harness/auth.js';

describeEachDialect('users API', (ctx) => {
  let t: AuthTestServer;
  let admin: Record<string, string>;
  let adminId: number;
  beforeAll(async () => {
    t = await startAuthServer(ctx.url(), { env: { CRIER_LOGIN_RATE_LIMIT: '1000' } });
    const user = await createUser(t.app, 'admin');
    adminId = user.id;
    admin = bearer(await createToken(t.app, user.id));
  });
  afterAll(async () => t?.close());

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.server.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });

  it('creates a user with a generated password shown once, stored as an argon2id hash', async () => {
    const res = await api('POST', '/api/users', { email: 'Grace@Example.com', firstName: 'Grace', lastName: 'Hopper', role: 'sender' });
    expect(res.statusCode).toBe(201);
    const { user, password } = res.json();
    expect(user).toMatchObject({ email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', role: 'sender', disabled: false });
    expect(password).toMatch(/^[A-Za-z0-9_-]{18}$/);
    const row = await ctx.store().db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    await signIn(t.server, 'grace@example.com', password);

    const listed = await api('GET', '/api/users');
    expect(listed.json().items.map((u: { email: string }) => u.email)).toContain('grace@example.com');
    expect(listed.body).not.toMatch(/argon2|password/i);
    const audit = await t.app.auth.audit.list({ target: `user:${user.id}`, action: 'users.created', page: 1, pageSize: 5 });
    expect(audit.items[0]).toMatchObject({ actor: { userId: adminId }, summary: 'Created sender Grace Hopper <grace@example.com>' });
  });

  it('validates input and refuses a second user with the same email', async () => {
    const base = { email: 'dup@example.com', firstName: 'D', lastName: 'Up', role: 'viewer', password: 'long enough password' };
    expect((await api('POST', '/api/users', base)).statusCode).toBe(201);
    const again = await api('POST', '/api/users', { ...base, email: 'DUP@example.com' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
    const bad = await api('POST', '/api/users', { ...base, email: 'not-an-email' });
    expect(bad.json().error).toMatchObject({ code: 'validation_failed', details: [{ field: 'email' }] });
    const weak = await api('POST', '/api/users', { ...base, email: 'weak@example.com', password: 'short' });
    expect(weak.json().error).toMatchObject({ code: 'validation_failed', details: [{ field: 'password' }] });
    const role = await api('POST', '/api/users', { ...base, email: 'role@example.com', role: 'owner' });
    expect(role.statusCode).toBe(400);
  });

  it('changes role and names, and disabling signs the user out everywhere', async () => {
    const user = await createUser(t.app, 'viewer');
    const { cookie } = await signIn(t.server, user.email, user.password);
    const token = await createToken(t.app, user.id);

    const changed = await api('PATCH', `/api/users/${user.id}`, { role: 'sender', firstName: 'Renamed' });
    expect(changed.json()).toMatchObject({ role: 'sender', firstName: 'Renamed' });
    const disabled = await api('PATCH', `/api/users/${user.id}`, { disabled: true });
    expect(disabled.json().disabled).toBe(true);

    expect((await t.server.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
    expect((await t.server.inject({ url: '/api/session', headers: bearer(token) })).statusCode).toBe(401);
    const login = await t.server.inject({ method: 'POST', url: '/api/session', payload: { email: user.email, password: user.password } });
    expect(login.json().error.code).toBe('invalid_credentials');

    await api('PATCH', `/api/users/${user.id}`, { disabled: false });
    await signIn(t.server, user.email, user.password);
    const audit = await t.app.auth.audit.list({ target: `user:${user.id}`, action: 'users.updated', page: 1, pageSize: 5 });
    expect(audit.items.map((e) => e.summary)).toEqual([
      expect.stringMatching(/: enabled$/),
      expect.stringMatching(/: disabled, 1 API token revoked$/),
      expect.stringMatching(/: name, role viewer → sender$/),
    ]);
  });

  it('revokes the API tokens of a user it disables: enabling the user again does not revive them', async () => {
    const user = await createUser(t.app, 'sender');
    const token = await createToken(t.app, user.id, 'laptop');
    const asUser = () => t.server.inject({ url: '/api/session', headers: bearer(token) });
    expect((await asUser()).statusCode).toBe(200);

    await api('PATCH', `/api/users/${user.id}`, { disabled: true });
    await api('PATCH', `/api/users/${user.id}`, { disabled: false });
    expect((await asUser()).statusCode).toBe(401);
    const [listed] = (await t.app.auth.tokens.list(user.id)).filter((x) => x.name === 'laptop');
    expect(listed!.revokedAt).not.toBeNull();
    const audit = await t.app.auth.audit.list({ target: `user:${user.id}`, action: 'users.updated', page: 1, pageSize: 5 });
    expect(audit.items.map((e) => e.summary)).toContain(`Updated Test sender <${user.email}>: disabled, 1 API token revoked`);

    // Removing a user with history disables them, and so revokes their tokens too.
    const second = await createToken(t.app, user.id, 'script');
    await signIn(t.server, user.email, user.password);
    expect((await api('DELETE', `/api/users/${user.id}`)).json().outcome).toBe('disabled');
    await api('PATCH', `/api/users/${user.id}`, { disabled: false });
    expect((await t.server.inject({ url: '/api/session', headers: bearer(second) })).statusCode).toBe(401);
    // A token made after the user is enabled again works.
    expect((await t.server.inject({ url: '/api/session', headers: bearer(await createToken(t.app, user.id)) })).statusCode).toBe(200);
  });

  it('deletes a user without history and disables one with history', async () => {
    const fresh = await createUser(t.app, 'viewer');
    const deleted = await api('DELETE', `/api/users/${fresh.id}`);
    expect(deleted.json()).toMatchObject({ outcome: 'deleted', user: { id: fresh.id } });
    expect((await api('GET', `/api/users/${fresh.id}`)).statusCode).toBe(404);

    const used = await createUser(t.app, 'viewer');
    await signIn(t.server, used.email, used.password); // signing in is history
    const kept = await api('DELETE', `/api/users/${used.id}`);
    expect(kept.json()).toMatchObject({ outcome: 'disabled', user: { id: used.id, disabled: true } });
    expect((await api('GET', `/api/users/${used.id}`)).json().disabled).toBe(true);
    expect((await api('DELETE', `/api/users/999999`)).statusCode).toBe(404);
  });

  it('never removes, demotes or disables the last admin', async () => {
    const others = await ctx.store().db.selectFrom('users').select('id').where('role', '=', 'admin').where('id', '!=', adminId).execute();
    for (const { id } of others) await t.app.auth.users.update(Number(id), { role: 'viewer' }, { userId: null, label: 'test' });

    for (const [method, payload] of [['PATCH', { role: 'sender' }], ['PATCH', { disabled: true }], ['DELETE', undefined]] as const) {
      const res = await api(method, `/api/users/${adminId}`, payload);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('last_admin');
    }
    const second = await createUser(t.app, 'admin');
    expect((await api('PATCH', `/api/users/${second.id}`, { role: 'viewer' })).statusCode).toBe(200);
    await t.app.auth.users.update(second.id, { role: 'admin' }, { userId: null, label: 'test' });
    expect((await api('PATCH', `/api/users/${adminId}`, { role: 'admin', lastName: 'Still' })).statusCode).toBe(200);
    expect((await api('PATCH', `/api/users/${second.id}`, { disabled: true })).statusCode).toBe(200);
    expect((await api('PATCH', `/api/users/${adminId}`, { role: 'viewer' })).json().error.code).toBe('last_admin');
  });

  it('lets an admin set a new password, which lifts the wait on wrong passwords and ends the old sessions', async () => {
    const user = await createUser(t.app, 'viewer');
    const { cookie } = await signIn(t.server, user.email, user.password);
    // Someone elsewhere guesses until the account's sign-ins must wait.
    for (let i = 0; i < 6; i++) {
      await t.server.inject({ method: 'POST', url: '/api/session', payload: { email: user.email, password: 'wrong password!' }, remoteAddress: `198.51.100.${i + 1}` });
    }
    expect((await api('GET', `/api/users/${user.id}`)).json().lockedUntil).not.toBeNull();
    await api('PATCH', `/api/users/${user.id}`, { password: 'a brand new password' });
    expect((await api('GET', `/api/users/${user.id}`)).json().lockedUntil).toBeNull();
    expect((await t.server.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
    await signIn(t.server, user.email, 'a brand new password');
  });
});
