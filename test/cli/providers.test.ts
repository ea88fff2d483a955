// `crier providers check` as an operator runs it: a real process, on the database or through a
// running server with --api; one line per channel, exit 1 when a credentials check fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Provider } from '../../src/providers/provider.js';
import { buildServer } from '../../src/server/server.js';
import { cheapHasher, createToken, createUser } from '../harness/auth.js';
import { waitFor } from '../harness/sending.js';

const dir = mkdtempSync(join(tmpdir(), 'crier-providers-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A provider module as a deployment would load one: SMS with a failing check, and a webhook. */
const MODULE = join(dir, 'texter.mjs');
writeFileSync(
  MODULE,
  `export const providers = [{
  name: 'texter',
  channels: ['sms'],
  create: () => ({
    name: 'texter',
    channels: ['sms'],
    limits: { maxBatchSize: 1, messagesPerSecond: 3, maxConcurrentRequests: 2, rateNote: 'toll-free number', validityMs: 14400000 },
    webhooks: [{ path: 'texter/status', handle: async () => ({ ok: false, status: 401, reason: 'no' }) }],
    send: async (batch) => batch.map((m) => ({ id: m.id, ok: true, providerMessageId: 't-' + m.id })),
    check: async () => ({ ok: false, detail: 'GET /Accounts answered 401 Unauthorized' }),
  }),
}];
`,
);

function crier(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/crier.js', ...args], {
      env: { ...process.env, CRIER_LOG_LEVEL: 'warn', DATABASE_URL: join(dir, 'crier.db'), CRIER_PUBLIC_URL: 'https://crier.example.com', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('crier providers check', () => {
  it('prints one line per channel for the sandbox and exits 0', async () => {
    const res = await crier(['providers', 'check']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^email  sandbox  credentials ok \(the sandbox needs no credentials: messages stay in this database\)  up to 500 a request, no rate limit of its own  breaker unknown \(no sender has reported/,
    );
    expect(lines[1]).toMatch(/^sms    sandbox  credentials ok/);
    const json = await crier(['--json', 'providers', 'check']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ channels: [{ channel: 'email', provider: 'sandbox' }, { channel: 'sms', provider: 'sandbox' }] });
  }, 120_000);

  it('exits 1 when a check fails, saying which and why, with its limits and webhook', async () => {
    const res = await crier(['providers', 'check'], { CRIER_PROVIDER_MODULES: MODULE, CRIER_SMS_PROVIDER: 'texter', CRIER_SMS_RATE_LIMIT: '2' });
    expect(res.status).toBe(1);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^email  sandbox  credentials ok/);
    expect(lines[1]).toBe(
      'sms    texter   credentials FAILED (GET /Accounts answered 401 Unauthorized)  up to 1 a request, 3 a second (toll-free number), held to 2 a second, kept 4 h before dropped  ' +
        'breaker unknown (no sender has reported yet: none has run since this was installed (crier serve with CRIER_SENDER=true, or crier worker))  ' +
        'webhook: https://crier.example.com/webhooks/texter/status',
    );
  }, 120_000);

  it('asks a running server with --api, as the token user: an admin gets the status, a sender is refused', async () => {
    const failing: Provider = {
      name: 'mailer',
      channels: ['email'],
      limits: { maxBatchSize: 1000, messagesPerSecond: Infinity, maxConcurrentRequests: 4 },
      webhooks: [{ path: 'mailer', handle: async () => ({ ok: false, status: 401, reason: 'no' }) }],
      send: async () => [],
      check: async () => ({ ok: false, detail: 'GET /v3/scopes answered 403 Forbidden' }),
    };
    const config = loadConfig({ env: { DATABASE_URL: join(dir, 'api.db'), CRIER_LOG_LEVEL: 'silent', CRIER_METRICS: 'false', CRIER_PUBLIC_URL: 'https://mass.example.org' } });
    const app = await createApp(config, { hasher: cheapHasher, logger: pino({ level: 'silent' }), providers: { email: failing, sms: failing } });
    const server = await buildServer(app);
    await server.listen({ port: 0, host: '127.0.0.1' });
    // A sender running beside the server: its breakers report closed.
    const dispatcher = app.createDispatcher();
    dispatcher.start();
    try {
      await waitFor(async () => (await app.providerStatus.status()).channels.every((c) => c.breaker.state === 'closed'), 10_000, 'the sender to report');
      const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
      const admin = await createToken(app, (await createUser(app, 'admin')).id);
      const res = await crier(['--api', url, 'providers', 'check'], { CRIER_API_TOKEN: admin });
      expect(res.status).toBe(1);
      const lines = res.stdout.trim().split('\n');
      expect(lines[0]).toBe(
        'email  mailer  credentials FAILED (GET /v3/scopes answered 403 Forbidden)  up to 1,000 a request, no rate limit of its own  breaker closed  webhook: https://mass.example.org/webhooks/mailer',
      );
      expect(lines[1]).toMatch(/^sms    mailer  credentials FAILED/);

      const sender = await createToken(app, (await createUser(app, 'sender')).id);
      const refused = await crier(['--api', url, 'providers', 'check'], { CRIER_API_TOKEN: sender });
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/^crier: /);
    } finally {
      await dispatcher.stop();
      await server.close();
      await app.close();
    }
  }, 120_000);


  it('comms send prints how long sending will take, under the row or before --wait sends', async () => {
    const env = { DATABASE_URL: join(dir, 'send.db'), CRIER_DEFAULT_REGION: 'CA', CRIER_EMAIL_RATE_LIMIT: '2' };
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const uuids = [1, 2, 3].map((n) => `00000000-0000-4000-8000-00000000900${n}`);
    const accounts = ['uuid,first_name,email,phone', ...uuids.map((u, i) => `${u},Ann${i},a${i}@example.com,+1514555012${i}`)].join('\n') + '\n';
    expect((await crier(['accounts', 'import', file('send-accounts.csv', accounts)], env)).status).toBe(0);
    const template = file(
      'send-template.json',
      JSON.stringify({ name: 'Outage', defaultLanguage: 'en', email: { en: { subject: 'Outage', html: '<p>Outage</p>', text: 'Outage' } }, sms: { en: { body: 'Outage' } } }),
    );
    const templateId = String(JSON.parse((await crier(['--json', 'templates', 'import', template], env)).stdout).ids[0]);
    const recipients = file('send-recipients.csv', `account_uuid\n${uuids.join('\n')}\n`);
    const draft = async (name: string) => {
      const id = String(JSON.parse((await crier(['--json', 'comms', 'create', '--name', name, '--template', templateId], env)).stdout).id);
      expect((await crier(['comms', 'recipients', id, recipients], env)).status).toBe(0);
      return id;
    };

    const sent = await crier(['comms', 'send', await draft('Outage A')], env);
    expect(sent.status, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/status:\s+in progress/);
    expect(sent.stdout).toContain('  estimate:        3 emails at 2 per second: about 2 s\n');
    expect(sent.stdout).toContain('  estimate:        3 SMS, no rate limit: as fast as the provider accepts\n');

    const waited = await crier(['comms', 'send', await draft('Outage B'), '--wait'], env);
    expect(waited.status, waited.stderr).toBe(0);
    expect(waited.stderr).toContain('  estimate:        3 emails at 2 per second: about 2 s');
    expect(waited.stdout).not.toContain('estimate');
  }, 180_000);
});
