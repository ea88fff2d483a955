// The command line: `crier users create`, `crier tokens create`, and `crier accounts import`
// acting through a running server with a token instead of opening the database.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { apiTargetFrom, ApiClient } from '../../src/cli/api-client.js';
import { loadConfig } from '../../src/config.js';
import { CrierError } from '../../src/domain/errors.js';
import { buildServer } from '../../src/server/server.js';
import { accountsCsv } from '../harness/accounts.js';
import { createToken, createUser } from '../harness/auth.js';
import { runCrier } from '../harness/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'crier-auth-cli-'));
const database = join(dir, 'crier.db');
/** If a command opened the database instead of calling the API, it would fail on this. */
const UNREACHABLE_DATABASE = 'postgres://nobody@127.0.0.1:1/none';

const crier = (args: string[], env: Record<string, string> = {}) => runCrier(database, args, env);

describe('crier users and tokens', () => {
  let app: App;
  let server: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    const admin = await crier(['users', 'create', '--email', 'Ops@Example.com', '--first-name', 'Olga', '--last-name', 'Ops', '--role', 'admin']);
    expect(admin.stdout).toMatch(/^Created admin Olga Ops <ops@example.com> \(id 1\)\nPassword \(shown once\): \S{18}\n$/);
    app = await createApp(loadConfig({ env: { DATABASE_URL: database, CRIER_LOG_LEVEL: 'silent' } }));
    server = await buildServer(app);
    url = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates users with a given password and refuses bad input with exit 2', async () => {
    const ok = await crier(['users', 'create', '--email', 'sam@example.com', '--first-name', 'Sam', '--last-name', 'Send', '--role', 'sender', '--password', 'sender password 1', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ user: expect.objectContaining({ email: 'sam@example.com', role: 'sender' }) });
    const bad = await crier(['users', 'create', '--email', 'x@example.com', '--first-name', 'X', '--last-name', 'Y', '--role', 'owner']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/role must be admin, sender or viewer/);
  });

  it('prints a token that signs API requests in as its user', async () => {
    const made = await crier(['tokens', 'create', '--email', 'ops@example.com', '--name', 'laptop']);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^crier_[A-Za-z0-9_-]{43}$/);
    const me = await fetch(`${url}/api/session`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('ops@example.com');
    expect((await crier(['tokens', 'create', '--email', 'nobody@example.com'])).stderr).toMatch(/No user with email/);
  });

  it('imports accounts through the API with CRIER_API_URL and CRIER_API_TOKEN', async () => {
    const sender = await createUser(app, 'sender', 'cli-importer');
    const file = join(dir, 'accounts.csv');
    writeFileSync(file, accountsCsv(5));
    const env = { CRIER_API_URL: url, CRIER_API_TOKEN: await createToken(app, sender.id), DATABASE_URL: UNREACHABLE_DATABASE };
    const run = await crier(['accounts', 'import', file, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rowsRead: 5, inserted: 5 });
    const audit = await app.auth.audit.list({ action: 'accounts.imported', actor: String(sender.id), page: 1, pageSize: 5 });
    expect(audit.items).toHaveLength(1);
  });

  it("answers with the server's refusal, as a local run would (exit 2)", async () => {
    const viewer = await createUser(app, 'viewer', 'cli-viewer');
    const file = join(dir, 'accounts.csv');
    const token = await createToken(app, viewer.id);
    const run = await crier(['--api', url, '--token', token, 'accounts', 'import', file], { DATABASE_URL: UNREACHABLE_DATABASE });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^crier: This needs the sender role or higher/);
  });

  it('ApiClient streams uploads and turns error answers into CrierErrors', async () => {
    const admin = await createUser(app, 'admin', 'client');
    const client = new ApiClient({ url, token: await createToken(app, admin.id) });
    const users = await client.request<{ total: number }>('GET', '/api/users');
    expect(users.total).toBeGreaterThanOrEqual(3);
    const created = await client.request<{ user: { id: number } }>('POST', '/api/users', {
      json: { email: 'via-client@example.com', firstName: 'Via', lastName: 'Client', role: 'viewer' },
    });
    expect(created.user.id).toBeGreaterThan(0);
    const refused = client.request('POST', '/api/users', { json: { email: 'via-client@example.com', firstName: 'V', lastName: 'C', role: 'viewer' } });
    await expect(refused).rejects.toMatchObject({ code: 'conflict' });
    await expect(new ApiClient({ url, token: 'crier_wrong' }).request('GET', '/api/users')).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(new ApiClient({ url: 'http://127.0.0.1:1', token: 'x' }).request('GET', '/api/users')).rejects.toThrow(/Cannot reach/);
  });

  it('needs both the API URL and the token', () => {
    expect(apiTargetFrom({}, {})).toBeNull();
    expect(apiTargetFrom({ api: 'http://x/' }, { CRIER_API_TOKEN: 't' })).toEqual({ url: 'http://x', token: 't' });
    expect(() => apiTargetFrom({}, { CRIER_API_URL: 'http://x' })).toThrow(CrierError);
  });
});
