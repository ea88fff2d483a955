// The one-time setup link: the only way to the first admin besides the command line.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../harness/dialects.js';
import { signIn, startAuthServer, type AuthTestServer } from '../harness/auth.js';

const HOUR = 3_600_000;

describeEachDialect('setup link', (ctx) => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthServer(ctx.url());
  });
  afterAll(async () => t?.close());

  const admin = { email: 'first@example.com', firstName: 'First', lastName: 'Admin', password: 'the very first password' };
  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

  it('expires after 24 hours', async () => {
    const link = (await t.app.auth.setup.openLinkIfNeeded())!;
    expect(link.url).toMatch(/^http:\/\/localhost:3000\/setup\?token=[A-Za-z0-9_-]{43}$/);
    t.clock.advance(24 * HOUR);
    const page = await t.server.inject({ url: new URL(link.url).pathname + new URL(link.url).search });
    expect(page.statusCode).toBe(403);
    const res = await t.server.inject({ method: 'POST', url: '/api/setup', payload: { ...admin, token: tokenOf(link.url) } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('setup_token_invalid');
  });

  it('creates the first admin once; the link and any other then stop working', async () => {
    const link = (await t.app.auth.setup.openLinkIfNeeded())!;
    const spare = (await t.app.auth.setup.openLinkIfNeeded())!;
    const token = tokenOf(link.url);

    // The link's page (the web UI's form) answers the link's state as its status; the form
    // reads the same, with the reason, from GET /api/setup.
    const wrong = await t.server.inject({ url: '/setup?token=wrong' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['content-type']).toMatch(/text\/html/);
    const wrongJson = await t.server.inject({ url: '/api/setup?token=wrong' });
    expect(wrongJson.statusCode).toBe(403);
    expect(wrongJson.json().error.code).toBe('setup_token_invalid');
    const page = await t.server.inject({ url: `/setup?token=${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).not.toContain(token);
    const state = await t.server.inject({ url: `/api/setup?token=${token}` });
    expect(state.json()).toEqual({ expiresAt: new Date(link.expiresAt).toISOString() });

    const weak = await t.server.inject({ method: 'POST', url: '/api/setup', payload: { ...admin, token, password: 'short' } });
    expect(weak.statusCode).toBe(400);

    const created = await t.server.inject({ method: 'POST', url: '/api/setup', payload: { ...admin, token } });
    expect(created.statusCode).toBe(201);
    expect(created.json().user).toMatchObject({ email: admin.email, role: 'admin' });
    await signIn(t.server, admin.email, admin.password);

    for (const again of [token, tokenOf(spare.url)]) {
      const res = await t.server.inject({ method: 'POST', url: '/api/setup', payload: { ...admin, email: 'second@example.com', token: again } });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('setup_done');
    }
    const used = await t.server.inject({ url: `/setup?token=${token}` });
    expect(used.statusCode).toBe(409);
    expect(used.headers['content-type']).toMatch(/text\/html/);
    const usedJson = await t.server.inject({ url: `/api/setup?token=${token}` });
    expect(usedJson.statusCode).toBe(409);
    expect(usedJson.json().error.code).toBe('setup_done');
    expect(await t.app.auth.setup.openLinkIfNeeded()).toBeNull();
    const users = await ctx.store().db.selectFrom('users').select('role').execute();
    expect(users).toEqual([{ role: 'admin' }]);
    const audit = await t.app.auth.audit.list({ action: 'users.created', page: 1, pageSize: 5 });
    expect(audit.items[0]).toMatchObject({ actor: { label: 'First Admin <first@example.com>' }, details: { via: 'setup' } });
  });
});
