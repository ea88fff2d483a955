// Browser sessions: the cookie, CSRF, idle and absolute expiry, sign-out, the throttle on wrong
// passwords, the rate limit and the one answer that does not tell which emails have accounts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../harness/dialects.js';
import { bearer, createToken, createUser, signIn, startAuthServer, type AuthTestServer } from '../harness/auth.js';

const MINUTE = 60_000;

describeEachDialect('sessions', (ctx) => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthServer(ctx.url(), { env: { CRIER_LOGIN_RATE_LIMIT: '1000' } });
  });
  afterAll(async () => t?.close());

  it('signs in with an httpOnly SameSite=Lax cookie and answers the user and CSRF token', async () => {
    const user = await createUser(t.app, 'sender');
    const { response, cookie, csrfToken } = await signIn(t.server, user.email.toUpperCase(), user.password);
    const set = response.cookies.find((c) => c.name === 'crier_session')!;
    expect(set).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(set.secure).toBeFalsy();
    expect(set.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.json()).toMatchObject({ user: { id: user.id, email: user.email, role: 'sender' }, csrfToken });
    expect(response.body).not.toMatch(/argon2|password/i);

    const stored = await ctx.store().db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).not.toBe(set.value); // only a hash of the cookie is kept
    expect(stored[0]!.id).toMatch(/^[0-9a-f]{64}$/);

    const me = await t.server.inject({ url: '/api/session', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual(response.json());
  });

  it('marks the cookie Secure over https behind a trusted proxy, or when configured', async () => {
    const user = await createUser(t.app, 'viewer');
    const proxied = await startAuthServer(ctx.url(), { env: { CRIER_TRUST_PROXY: 'true' } });
    const configured = await startAuthServer(ctx.url(), { env: { CRIER_SECURE_COOKIES: 'true' } });
    try {
      const login = { method: 'POST' as const, url: '/api/session', payload: { email: user.email, password: user.password } };
      const viaProxy = await proxied.server.inject({ ...login, headers: { 'x-forwarded-proto': 'https' } });
      expect(viaProxy.cookies[0]!.secure).toBe(true);
      const untrusted = await t.server.inject({ ...login, headers: { 'x-forwarded-proto': 'https' } });
      expect(untrusted.cookies[0]!.secure).toBeFalsy();
      expect((await configured.server.inject(login)).cookies[0]!.secure).toBe(true);
    } finally {
      await proxied.close();
      await configured.close();
    }
  });

  it('asks cookie-authenticated changes for the CSRF token: missing, wrong, right', async () => {
    const user = await createUser(t.app, 'viewer');
    const { cookie, csrfToken } = await signIn(t.server, user.email, user.password);
    const create = (headers: Record<string, string>) =>
      t.server.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'laptop' }, headers: { cookie, ...headers } });

    const missing = await create({});
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('csrf_failed');
    const wrong = await create({ 'x-csrf-token': `${csrfToken.slice(0, -1)}x` });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('csrf_failed');
    expect(await t.app.auth.tokens.list(user.id)).toHaveLength(0);
    const right = await create({ 'x-csrf-token': csrfToken });
    expect(right.statusCode).toBe(201);

    // Reads need no token, and neither do bearer-token requests.
    expect((await t.server.inject({ url: '/api/tokens', headers: { cookie } })).statusCode).toBe(200);
    const token = await createToken(t.app, user.id);
    const viaBearer = await t.server.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'ci' }, headers: bearer(token) });
    expect(viaBearer.statusCode).toBe(201);
  });

  it('signs out: the session row goes, the cookie is cleared and no longer works', async () => {
    const user = await createUser(t.app, 'viewer');
    const { cookie, csrfToken } = await signIn(t.server, user.email, user.password);
    const out = await t.server.inject({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'crier_session')!.value).toBe('');
    const after = await t.server.inject({ url: '/api/session', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthorized');
    const audit = await t.app.auth.audit.list({ target: `user:${user.id}`, page: 1, pageSize: 10 });
    expect(audit.items.map((e) => e.action)).toEqual(['sessions.ended', 'sessions.created', 'users.created']);
  });

  it('expires a session idle for 30 minutes, and any session after 12 hours', async () => {
    const user = await createUser(t.app, 'viewer');
    const idle = await signIn(t.server, user.email, user.password);
    const busy = await signIn(t.server, user.email, user.password);
    const ask = (s: { cookie: string }) => t.server.inject({ url: '/api/session', headers: { cookie: s.cookie } });

    t.clock.advance(29 * MINUTE);
    expect((await ask(busy)).statusCode).toBe(200);
    t.clock.advance(2 * MINUTE);
    expect((await ask(idle)).statusCode).toBe(401);
    for (let elapsed = 31; elapsed < 12 * 60 - 20; elapsed += 20) {
      t.clock.advance(20 * MINUTE);
      expect((await ask(busy)).statusCode).toBe(200);
    }
    t.clock.advance(25 * MINUTE);
    expect((await ask(busy)).statusCode).toBe(401);
  });

  it('answers an unknown email, a wrong password and a disabled user alike, hashing each time', async () => {
    const user = await createUser(t.app, 'viewer');
    const disabled = await createUser(t.app, 'viewer');
    await t.app.auth.users.update(disabled.id, { disabled: true }, { userId: null, label: 'test' });
    const attempt = (email: string, password: string) =>
      t.server.inject({ method: 'POST', url: '/api/session', payload: { email, password } });

    const before = t.hasher.verifications;
    const unknown = await attempt('nobody@example.com', user.password);
    const wrong = await attempt(user.email, 'not the password at all');
    const off = await attempt(disabled.email, disabled.password);
    const malformed = await attempt('not an email', 'whatever it is');
    // One argon2 verification per attempt, whether or not the address exists: timing tells nothing.
    expect(t.hasher.verifications - before).toBe(4);
    expect(malformed.body).toBe(wrong.body);
    for (const res of [unknown, wrong, off]) {
      expect(res.statusCode).toBe(401);
      expect(res.cookies).toHaveLength(0);
    }
    expect(unknown.body).toBe(wrong.body);
    expect(off.body).toBe(wrong.body);
    expect(wrong.json().error.code).toBe('invalid_credentials');
  });

  it('slows wrong passwords for an account with doubling waits, answered 429 with Retry-After, never a lock', async () => {
    const user = await createUser(t.app, 'sender');
    const token = await createToken(t.app, user.id);
    let n = 0;
    // Each attempt from an address of its own: only the account's count is at work here.
    const attempt = (password: string) =>
      t.server.inject({ method: 'POST', url: '/api/session', payload: { email: user.email, password }, remoteAddress: `198.51.100.${++n}` });
    for (let i = 1; i <= 5; i++) expect((await attempt(`wrong password ${i}`)).statusCode).toBe(401);

    // After 5 in a row every attempt waits: 1 s, then 2 s, 4 s, … Inside the wait even the right
    // password is refused unchecked, in the one error shape, with when to come back.
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const early = await attempt(user.password);
      expect(early.statusCode).toBe(429);
      expect(early.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/try again in \d+ s/), details: { retryAfterSeconds: expect.any(Number) } } });
      expect(early.headers['retry-after']).toBe(String(early.json().error.details.retryAfterSeconds));
      waits.push(Number(early.headers['retry-after']));
      t.clock.advance(waits.at(-1)! * 1000);
      expect((await attempt('still wrong')).statusCode).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    const row = await ctx.store().db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.locked_until).toBe(t.clock.now() + 16_000);

    // The wait never exceeds the account's cap (60 s), so nobody can keep the owner out for long.
    for (let i = 0; i < 6; i++) {
      t.clock.advance(60_000);
      expect((await attempt('wrong again')).statusCode).toBe(401);
    }
    expect(Number((await attempt(user.password)).headers['retry-after'])).toBe(60);

    // Meanwhile the user's API token works as ever.
    expect((await t.server.inject({ url: '/api/session', headers: bearer(token) })).statusCode).toBe(200);

    // Once the wait is over the right password signs in, and the count starts again.
    t.clock.advance(60_000);
    expect((await attempt(user.password)).statusCode).toBe(200);
    expect((await attempt('one typo')).statusCode).toBe(401);
    expect((await attempt(user.password)).statusCode).toBe(200);
    const audit = await t.app.auth.audit.list({ target: `user:${user.id}`, action: 'users.throttled', page: 1, pageSize: 5 });
    expect(audit.items.map((e) => e.summary)).toEqual([expect.stringMatching(/^Sign-ins to .+ slowed after 5 wrong passwords in a row/)]);
  });

  it('slows one address that guesses across accounts, up to 15 minutes, and answers unknown emails alike', async () => {
    const victim = await createUser(t.app, 'admin');
    const from = '203.0.113.50';
    const attempt = (email: string, password: string, remoteAddress = from) =>
      t.server.inject({ method: 'POST', url: '/api/session', payload: { email, password }, remoteAddress });
    // A different email each time: only the address's count grows.
    for (let i = 1; i <= 5; i++) expect((await attempt(`nobody${i}@example.com`, 'guess guess')).statusCode).toBe(401);
    const unknown = await attempt('nobody-else@example.com', 'guess guess');
    const known = await attempt(victim.email, victim.password);
    expect(unknown.statusCode).toBe(429);
    expect(known.body).toBe(unknown.body);

    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const wait = Number((await attempt('someone@example.com', 'guess guess')).headers['retry-after']);
      waits.push(wait);
      t.clock.advance(wait * 1000);
      expect((await attempt(`more${i}@example.com`, 'guess guess')).statusCode).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    // The victim, from anywhere else, signs in at once: the address's waits are its own.
    expect((await attempt(victim.email, victim.password, '192.0.2.77')).statusCode).toBe(200);
  });

  it('counts attempts made at once: a burst gets no more guesses than one at a time', async () => {
    const user = await createUser(t.app, 'viewer');
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.server.inject({ method: 'POST', url: '/api/session', payload: { email: user.email, password: `parallel guess ${i}` }, remoteAddress: `198.18.0.${i + 1}` }),
      ),
    );
    const statuses = burst.map((res) => res.statusCode).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('forgets a count left alone for a day, and sweeps it away', async () => {
    const user = await createUser(t.app, 'viewer');
    const from = '203.0.113.90';
    const attempt = (email: string, password: string) =>
      t.server.inject({ method: 'POST', url: '/api/session', payload: { email, password }, remoteAddress: from });
    for (let i = 0; i < 5; i++) await attempt(user.email, 'wrong wrong wrong');
    await attempt('ghost@example.com', 'wrong wrong wrong');
    const rows = () => ctx.store().db.selectFrom('sign_in_throttle').select(['key', 'failures']).where('key', 'like', '%ghost%').execute();
    expect(await rows()).toEqual([]); // refused while the address waits: not counted
    t.clock.advance(1_000);
    expect((await attempt('ghost@example.com', 'wrong wrong wrong')).statusCode).toBe(401);
    expect(await rows()).toEqual([{ key: 'account:ghost@example.com', failures: 1 }]);

    t.clock.advance(25 * 3_600_000);
    expect((await attempt(user.email, 'wrong again')).statusCode).toBe(401);
    const counted = await ctx.store().db.selectFrom('sign_in_throttle').select(['key', 'failures']).where('key', 'in', [`account:${user.email}`, `address:${from}`]).execute();
    expect(counted.map((r) => r.failures)).toEqual([1, 1]);
    expect((await attempt(user.email, user.password)).statusCode).toBe(200);
    expect(await rows()).toEqual([]);
  });

  it('counts only failures in a row: a success starts the count again', async () => {
    const user = await createUser(t.app, 'viewer');
    const attempt = (password: string) =>
      t.server.inject({ method: 'POST', url: '/api/session', payload: { email: user.email, password }, remoteAddress: '198.51.100.200' });
    for (let i = 0; i < 4; i++) await attempt('wrong password here');
    expect((await attempt(user.password)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) await attempt('wrong password here');
    expect((await attempt(user.password)).statusCode).toBe(200);
  });
});

describeEachDialect('sign-in rate limit', (ctx) => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthServer(ctx.url(), { env: { CRIER_LOGIN_RATE_LIMIT: '3' } });
  });
  afterAll(async () => t?.close());

  it('limits sign-in attempts per address and answers 429 in the error shape', async () => {
    const attempt = (ip: string) =>
      t.server.inject({ method: 'POST', url: '/api/session', payload: { email: 'a@example.com', password: 'x' }, remoteAddress: ip });
    for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.7')).statusCode).toBe(401);
    const limited = await attempt('203.0.113.7');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/try again/) });
    expect((await attempt('203.0.113.8')).statusCode).toBe(401);
  });
});
