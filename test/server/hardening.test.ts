// What every answer shares: security headers, the one error shape without stack traces, logs
// without secrets, and the OpenAPI document generated from the routes.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { bearer, createToken, createUser, signIn, startAuthServer, type AuthTestServer } from '../harness/auth.js';
import { describeEachDialect } from '../harness/dialects.js';

describeEachDialect('hardening', (ctx) => {
  let t: AuthTestServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger(loadConfig({ env: { CRIER_LOG_LEVEL: 'info' } }), sink);
    t = await startAuthServer(ctx.url(), { logger });
  });
  afterAll(async () => t?.close());

  it('sends security headers on every answer', async () => {
    for (const url of ['/healthz', '/api/users', '/nowhere']) {
      const res = await t.server.inject({ url });
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
      });
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('answers refusals and bad requests in the one error shape', async () => {
    const cases = [
      [await t.server.inject({ url: '/nowhere' }), 404, 'not_found'],
      [await t.server.inject({ url: '/api/users' }), 401, 'unauthorized'],
      [await t.server.inject({ method: 'POST', url: '/api/session', payload: { email: 'x@example.com' } }), 400, 'validation_failed'],
      [
        await t.server.inject({ method: 'POST', url: '/api/session', headers: { 'content-type': 'application/json' }, payload: '{"email": ' }),
        400,
        'bad_request',
      ],
      [
        await t.server.inject({ method: 'POST', url: '/api/session', payload: { email: 'x@example.com', password: 'p'.repeat(2 * 1024 * 1024) } }),
        413,
        'payload_too_large',
      ],
    ] as const;
    for (const [res, status, code] of cases) {
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: { code, message: expect.any(String), ...(code === 'validation_failed' ? { details: expect.any(Array) } : {}) } });
    }
  });

  it('keeps passwords, tokens, cookies and CSRF tokens out of the log', async () => {
    const user = await createUser(t.app, 'admin');
    const token = await createToken(t.app, user.id);
    const { cookie, csrfToken } = await signIn(t.server, user.email, user.password);
    await t.server.inject({ url: '/api/users', headers: bearer(token) });
    await t.server.inject({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': csrfToken } });
    await t.server.inject({ method: 'POST', url: '/api/session', payload: { email: user.email, password: 'Wr0ng-Passw0rd-XYZ' } });
    await t.server.inject({ url: '/setup?token=SECRET-SETUP-TOKEN' });

    const log = logLines.join('');
    expect(log).toMatch(/incoming request/);
    for (const secret of [user.password, token, cookie.split('=')[1]!, csrfToken, 'Wr0ng-Passw0rd-XYZ', 'SECRET-SETUP-TOKEN']) {
      expect(log).not.toContain(secret);
    }
  });

  it('serves the OpenAPI document, publicly, with each operation\'s access', async () => {
    const res = await t.server.inject({ url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.0.3');
    const create = doc.paths['/api/users'].post;
    expect(create['x-access']).toBe('admin');
    expect(create.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['email', 'firstName', 'lastName', 'role']);
    expect(doc.paths['/api/session'].post['x-access']).toBe('public');
    expect(doc.paths['/api/session'].post.security).toEqual([]);
    expect(doc.paths['/api/audit'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['target', 'actor', 'action', 'page']),
    );
    expect(doc.components.securitySchemes.session).toMatchObject({ in: 'cookie', name: 'crier_session' });
  });

  it('answers an unexpected failure as "internal", without a stack trace', async () => {
    const broken = await startAuthServer(ctx.url());
    const token = await createToken(broken.app, (await createUser(broken.app, 'admin')).id);
    await broken.app.store.db.destroy();
    try {
      const res = await broken.server.inject({ url: '/api/users', headers: bearer(token) });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'internal', message: 'Internal error; the server log has the details' } });
      expect(res.body).not.toMatch(/\bat \S+ \(|node_modules|\.ts:/);
    } finally {
      await broken.server.close();
    }
  });
});

describeEachDialect('metrics token', (ctx) => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthServer(ctx.url(), { env: { CRIER_METRICS: 'true', CRIER_METRICS_TOKEN: 'scrape-secret-123' } });
  });
  afterAll(async () => t?.close());

  it('guards /metrics with CRIER_METRICS_TOKEN when it is set', async () => {
    expect((await t.server.inject({ url: '/metrics' })).json().error.code).toBe('unauthorized');
    expect((await t.server.inject({ url: '/metrics', headers: bearer('wrong') })).statusCode).toBe(401);
    const ok = await t.server.inject({ url: '/metrics', headers: bearer('scrape-secret-123') });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/crier_http_requests_total/);
    expect((await t.server.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
