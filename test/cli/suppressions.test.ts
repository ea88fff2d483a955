// `crier suppressions list|add|remove|import` as an operator runs them: real processes, on the
// database file, and through a running server with an API token.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { buildServer } from '../../src/server/server.js';
import { createToken, createUser } from '../harness/auth.js';
import { runCrier } from '../harness/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'crier-suppressions-cli-'));
const database = join(dir, 'crier.db');
/** If a command opened the database instead of calling the API, it would fail on this. */
const UNREACHABLE_DATABASE = 'postgres://nobody@127.0.0.1:1/none';

const crier = (args: string[], env: Record<string, string> = {}) => runCrier(database, args, { CRIER_DEFAULT_REGION: 'CA', ...env });

describe('crier suppressions', () => {
  let app: App;
  let server: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    app = await createApp(loadConfig({ env: { DATABASE_URL: database, CRIER_LOG_LEVEL: 'silent', CRIER_DEFAULT_REGION: 'CA' } }));
    server = await buildServer(app);
    url = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, lists, searches and removes on the database', async () => {
    const email = await crier(['suppressions', 'add', '--email', 'Cli.User@Example.com', '--json']);
    expect(email.stderr).toBe('');
    expect(email.code).toBe(0);
    const added = JSON.parse(email.stdout);
    expect(added).toMatchObject({ channel: 'email', address: 'cli.user@example.com', reason: 'manual', source: 'manual' });
    const phone = await crier(['suppressions', 'add', '--phone', '514 200 0042', '--reason', 'sms_stop']);
    expect(phone.stdout).toMatch(/^Suppressed sms \+15142000042 \(sms_stop\), id \d+\n$/);

    expect((await crier(['suppressions', 'add', '--email', 'cli.user@example.com'])).stderr).toMatch(/^crier: cli\.user@example\.com is already suppressed/);
    const neither = await crier(['suppressions', 'add']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/--email or --phone/);
    expect((await crier(['suppressions', 'add', '--email', 'x@example.com', '--reason', 'bored'])).stderr).toMatch(/--reason must be one of/);

    const list = await crier(['suppressions', 'list']);
    expect(list.stdout).toMatch(/cli\.user@example\.com/);
    expect(list.stdout).toMatch(/\+15142000042/);
    expect(list.stdout).toMatch(/1–2 of 2$/m);
    const search = JSON.parse((await crier(['suppressions', 'list', '--q', 'CLI.USER', '--json'])).stdout);
    expect(search).toMatchObject({ total: 1, items: [{ id: added.id }] });
    expect(JSON.parse((await crier(['suppressions', 'list', '--channel', 'sms', '--json'])).stdout).total).toBe(1);

    const removed = await crier(['suppressions', 'remove', String(added.id)]);
    expect(removed.stdout).toMatch(/^Lifted the manual suppression of email cli\.user@example\.com/);
    const again = await crier(['suppressions', 'remove', String(added.id)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/No suppression with id/);
    const audit = await app.store.db.selectFrom('audit_log').select(['action', 'actor']).where('target_type', '=', 'suppression').orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'suppression.added', actor: 'cli' },
      { action: 'suppression.added', actor: 'cli' },
      { action: 'suppression.lifted', actor: 'cli' },
    ]);
  });

  it('imports a list: exit 1 and nothing stored with a rejected row, unless --accept-valid', async () => {
    const file = join(dir, 'sendgrid-bounces.csv');
    writeFileSync(file, '\uFEFFemail;created;reason\r\nb1@example.com;1704164645;550 5.1.1 No such user\r\nnope;;bounce\r\nb2@example.com;;spam\r\n');
    const refused = await crier(['suppressions', 'import', file]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/3 rows read \(delimiter ";", addresses from "email"\)/);
    expect(refused.stdout).toMatch(/nothing stored: 1 rows rejected/);
    expect(refused.stdout).toMatch(/line 3, email: "nope" not a valid email address/);
    expect(JSON.parse((await crier(['suppressions', 'list', '--q', '@example.com', '--json'])).stdout).total).toBe(0);

    const accepted = await crier(['suppressions', 'import', file, '--accept-valid', '--json']);
    expect(accepted.code).toBe(1);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ rowsRead: 3, added: 2, applied: true, source: 'import:sendgrid-bounces.csv', rejected: [{ line: 3, field: 'email' }] });
    const clean = join(dir, 'clean.csv');
    writeFileSync(clean, 'email\nb1@example.com\nb3@example.com\n');
    const ok = await crier(['suppressions', 'import', clean]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1 added, 1 already suppressed, 0 duplicates, 0 rejected/);
    const bounced = JSON.parse((await crier(['suppressions', 'list', '--q', 'b1@', '--json'])).stdout);
    expect(bounced.items[0]).toMatchObject({ reason: 'hard_bounce', createdAt: '2024-01-02T03:04:05.000Z' });
    expect((await crier(['suppressions', 'import', join(dir, 'missing.csv')])).stderr).toMatch(/no such file/);
  });

  it('works through the API as the token’s user, and answers a non-admin’s refusal with exit 2', async () => {
    const adminUser = await createUser(app, 'admin', 'cli-suppressions');
    const env = { CRIER_API_URL: url, CRIER_API_TOKEN: await createToken(app, adminUser.id), DATABASE_URL: UNREACHABLE_DATABASE };
    const added = await crier(['suppressions', 'add', '--email', 'api.user@example.com', '--json'], env);
    expect(added.stderr).toBe('');
    const row = JSON.parse(added.stdout);
    expect(row).toMatchObject({ address: 'api.user@example.com', reason: 'manual' });
    const file = join(dir, 'api-list.csv');
    writeFileSync(file, 'Email Address\napi1@example.com\napi2@example.com\n');
    const imported = await crier(['suppressions', 'import', file, '--json'], env);
    expect(JSON.parse(imported.stdout)).toMatchObject({ added: 2, source: 'import:api-list.csv' });
    const list = JSON.parse((await crier(['suppressions', 'list', '--q', 'api', '--json'], env)).stdout);
    expect(list.total).toBe(3);
    expect((await crier(['suppressions', 'remove', String(row.id)], env)).code).toBe(0);
    const audit = await app.store.db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('actor_user_id', '=', adminUser.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['suppression.added', 'suppressions.imported', 'suppression.lifted']);

    const sender = await createUser(app, 'sender', 'cli-suppressions-sender');
    const refused = await crier(['suppressions', 'list'], { ...env, CRIER_API_TOKEN: await createToken(app, sender.id) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^crier: This needs the admin role/);
  });
});
