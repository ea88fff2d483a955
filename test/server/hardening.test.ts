// What every answer shares: security headers, the one error shape without stack traces, logs
// without secrets, and the OpenAPI document generated from the routes.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connect, type AddressInfo } from 'node:net';
import { bearer, createToken, createUser, signIn, startAuthServer, type AuthTestServer } from '../harness/auth.js';
import { describeEachDialect } from '../harness/dialects.js';
import { rawGet, rawRequest } from '../harness/raw-http.js';

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'no-referrer' };

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
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
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

  it('redacts a token in the query string of the request log, whatever the parameter is called', async () => {
    const token = await createToken(t.app, (await createUser(t.app, 'viewer')).id);
    const before = logLines.length;
    const opaque = 'Zq8xV2mN4pL7rT1wY6bK3sD9fH5jG0cA';
    await t.server.inject({ url: `/api/accounts?access_token=${token}&q=Tremblay`, headers: bearer(token) });
    await t.server.inject({ url: `/api/accounts?q=Gagnon&api_key=plain-words-here`, headers: bearer(token) });
    await t.server.inject({ url: `/api/accounts?cursor=${opaque}&q=${encodeURIComponent(token)}`, headers: bearer(token) });
    await t.server.inject({ url: '/unsubscribe/5.Fq3Lw8N2xR7tV1yB6mK9pD' });
    await t.server.inject({ url: '/setup?token=SECRET-SETUP-TOKEN-2&next=home' });
    const urls = logLines
      .slice(before)
      .map((line) => JSON.parse(line) as { msg: string; req?: { url: string } })
      .filter((entry) => entry.msg === 'incoming request')
      .map((entry) => entry.req!.url);
    expect(urls).toEqual([
      '/api/accounts?access_token=[redacted]&q=Tremblay',
      '/api/accounts?q=Gagnon&api_key=[redacted]',
      '/api/accounts?cursor=[redacted]&q=[redacted]',
      '/unsubscribe/5.[redacted]',
      '/setup?token=[redacted]&next=home',
    ]);
  });

  it('marks every answer not to be stored: authenticated reads, exports, refusals and errors', async () => {
    const sender = await createUser(t.app, 'sender');
    const token = await createToken(t.app, sender.id);
    const { cookie } = await signIn(t.server, sender.email, sender.password);
    const draft = await t.server.inject({ method: 'POST', url: '/api/communications', payload: { name: 'Cache check' }, headers: bearer(token) });
    const answers = [
      await t.server.inject({ url: '/api/session', headers: { cookie } }),
      await t.server.inject({ url: '/api/accounts', headers: bearer(token) }),
      await t.server.inject({ url: '/api/tokens', headers: bearer(token) }),
      await t.server.inject({ url: `/api/communications/${draft.json().id}/messages.csv`, headers: bearer(token) }),
      await t.server.inject({ url: '/api/communications/recipients-template.csv', headers: bearer(token) }),
      await t.server.inject({ url: '/api/users', headers: bearer(token) }),
      await t.server.inject({ url: '/api/users' }),
      await t.server.inject({ method: 'POST', url: '/api/session', payload: { email: sender.email, password: sender.password } }),
    ];
    expect(answers.map((res) => res.statusCode)).toEqual([200, 200, 200, 200, 200, 403, 401, 200]);
    for (const res of answers) expect(res.headers['cache-control']).toBe('no-store');
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

describeEachDialect('answers made before any route', (ctx) => {
  let t: AuthTestServer;
  let port: number;
  beforeAll(async () => {
    t = await startAuthServer(ctx.url());
    await t.server.listen({ port: 0, host: '127.0.0.1' });
    port = (t.server.server.address() as AddressInfo).port;
  });
  afterAll(async () => t?.close());

  it('answers a bad URL, an over-long path part, oversized headers and garbage in the one error shape, with the headers', async () => {
    // What the client sent is never echoed: it is the attacker's text, decoded or not.
    const marker = 'EchoMarker';
    const cases = [
      [rawGet(`/api/%zz${marker}`), 400, 'bad_request'],
      [rawGet(`/unsubscribe/1.%E0%A4-${marker}`), 400, 'bad_request'],
      [rawGet(`/api/users/${'7'.repeat(150)}${marker}`), 414, 'uri_too_long'],
      [rawGet(`/api/${marker}${'a'.repeat(20_000)}`), 431, 'headers_too_large'],
      [rawGet('/healthz', [`X-Padding: ${marker}${'b'.repeat(20_000)}`]), 431, 'headers_too_large'],
      [`HELLO ${marker}\r\n\r\n`, 400, 'bad_request'],
    ] as const;
    for (const [request, status, code] of cases) {
      const res = await rawRequest(port, request);
      const what = `${request.slice(0, 40)}…`;
      expect(res.status, what).toBe(status);
      expect(res.headers['content-type'], what).toMatch(/^application\/json/);
      expect(JSON.parse(res.body), what).toEqual({ error: { code, message: expect.any(String) } });
      expect(res.body, what).not.toContain(marker);
      expect(res.headers, what).toMatchObject({ ...SECURITY_HEADERS, 'cache-control': 'no-store' });
      expect(res.headers['content-security-policy'], what).toMatch(/default-src 'self'/);
      expect(res.headers['x-powered-by'], what).toBeUndefined();
    }
    // The server still answers normally afterwards.
    expect((await rawRequest(port, rawGet('/healthz'))).status).toBe(200);
  });

  it('answers a request that arrives while the server drains with 503 in the one shape, with the headers', async () => {
    const draining = await startAuthServer(ctx.url());
    await draining.server.listen({ port: 0, host: '127.0.0.1' });
    const socket = connect((draining.server.server.address() as AddressInfo).port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    // A first request, its body still on the way, keeps the connection busy while close() begins;
    // a second one comes after it on the same connection.
    const body = JSON.stringify({ email: 'drain@example.com', password: 'whatever it is' });
    await new Promise<void>((resolve) => socket.write(`POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = draining.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(`${body.slice(5)}${rawGet('/healthz')}`);
    await ended;
    await closed;
    const answers = Buffer.concat(received).toString('utf8').split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    const last = answers[1]!;
    expect(last).toMatch(/^HTTP\/1\.1 503 /);
    expect(last).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
    expect(last).toMatch(/\r\ncache-control: no-store\r\n/i);
    expect(JSON.parse(last.slice(last.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'unavailable', message: expect.stringMatching(/shutting down/) } });
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
