// `crier comms recipients|send --wait|status|export|cancel` as an operator runs them: real
// processes on each dialect, the sender running inside `send --wait`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { uuidFor } from '../harness/accounts.js';
import { describeEachDialect } from '../harness/dialects.js';

const dir = mkdtempSync(join(tmpdir(), 'crier-cli-comms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDialect('crier comms: recipients, send --wait, export', (ctx) => {
  const crierWith = (settings: Record<string, string>, ...args: string[]) => {
    const env = { ...process.env, CRIER_LOG_LEVEL: 'warn', DATABASE_URL: ctx.url(), CRIER_DEFAULT_REGION: 'CA', ...settings };
    return spawnSync(process.execPath, ['bin/crier.js', ...args], { encoding: 'utf8', env, timeout: 90_000 });
  };
  const crier = (...args: string[]) => crierWith({}, ...args);
  const file = (name: string, text: string) => {
    const path = join(dir, `${ctx.dialect}-${name}`);
    writeFileSync(path, text);
    return path;
  };
  const accounts = [1, 2, 3, 4, 5].map((n) => uuidFor(7000 + n));

  function draft(name: string): string {
    const template = file('template.json', JSON.stringify({ name: 'CLI notice', defaultLanguage: 'en', email: { en: { subject: 'Hi', html: '<p>Hi {{ account.first_name }}</p>', text: 'Hi' } }, sms: null }));
    const imported = crier('--json', 'templates', 'import', template);
    expect(imported.status, imported.stderr).toBe(0);
    const created = crier('--json', 'comms', 'create', '--name', name, '--template', String(JSON.parse(imported.stdout).ids[0]));
    expect(created.status, created.stderr).toBe(0);
    return String(JSON.parse(created.stdout).id);
  }

  it('attaches recipients, sends with --wait to Completed (exit 0) and exports the deliveries as CSV', () => {
    const csv = ['uuid,first_name,last_name,email', ...accounts.map((u, i) => `${u},${i === 0 ? '=1+1' : `Ann${i}`},Lee,a${i}@example.com`)];
    const imported = crier('accounts', 'import', file('accounts.csv', csv.join('\n') + '\n'));
    expect(imported.status, imported.stderr).toBe(0);
    const id = draft('Outage CLI');

    const bad = crier('comms', 'recipients', id, file('bad-recipients.csv', `account_uuid\n${accounts[0]}\nnot-a-uuid\n`));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/2 rows read, 1 accepted, 1 rejected/);
    expect(bad.stdout).toMatch(/line 3: "not-a-uuid" not a uuid/);
    const good = crier('comms', 'recipients', id, file('recipients.csv', `account_uuid\n${accounts.join('\n')}\n`));
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/5 rows read, 5 accepted, 0 rejected/);

    const sent = crier('comms', 'send', id, '--wait');
    expect(sent.status, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/status:\s+completed/);
    expect(sent.stdout).toMatch(/messages sent:\s+5 of 5/);
    expect(crier('comms', 'status', id).stdout).toMatch(/status:\s+completed/);

    const exported = crier('comms', 'export', id, '--deliveries');
    expect(exported.status, exported.stderr).toBe(0);
    const lines = exported.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('message_id,account_uuid,account_name,type,sent_at,status,error');
    expect(lines.slice(1).map((l) => l.split(',')[1]).sort()).toEqual([...accounts].sort());
    expect(exported.stdout).toContain(",'=1+1 Lee,email,");
    expect(crier('comms', 'export', id, '--failures').stdout).toBe('message_id,account_uuid,account_name,line,type,error_code,error,received_nothing\r\n');

    const cancel = crier('comms', 'cancel', id);
    expect(cancel.status).toBe(2);
    expect(cancel.stderr).toMatch(/only a communication in progress can be cancelled/);
    expect(crier('comms', 'export', id).status).toBe(2);
  }, 180_000);

  it('exits 1 when sending ends Failed, and exports the accounts that received nothing', () => {
    const id = draft('Partly unreachable');
    expect(crier('comms', 'recipients', id, file('recipients2.csv', `account_uuid\n${accounts.join('\n')}\n`)).status).toBe(0);
    // Withdrawn after the upload: the send finds no channel for this account.
    expect(crier('accounts', 'import', file('withdrawn.csv', `uuid,email_consent\n${accounts[1]},no\n`)).status).toBe(0);
    const sent = crier('--json', 'comms', 'send', id, '--wait');
    expect(sent.status, sent.stderr).toBe(1);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 'failed', messagesSent: 4, progress: null });
    const failures = crier('comms', 'export', id, '--failures').stdout.trimEnd().split('\r\n');
    expect(failures).toHaveLength(2);
    expect(failures[1]).toMatch(new RegExp(`^\\d+,${accounts[1]},Ann1 Lee,3,email,no_reachable_channel,email consent withdrawn,yes$`));
    expect(crier('comms', 'export', id, '--received-nothing').stdout).toBe(`account_uuid\r\n${accounts[1]}\r\n`);
  }, 180_000);

  it('says after --wait that delivery reports are still to come and how to follow them; --wait-reports waits for them', () => {
    const reported = [1, 2, 3].map((n) => uuidFor(7100 + n));
    const csv = ['uuid,first_name,email', ...reported.map((u, i) => `${u},Rae${i},r${i}@${i === 2 ? 'bounce.example' : 'example.com'}`)];
    expect(crier('accounts', 'import', file('reported.csv', csv.join('\n') + '\n')).status).toBe(0);
    const list = file('reported-recipients.csv', `account_uuid\n${reported.join('\n')}\n`);

    // Reports due in ten minutes: Completed comes long before them.
    const early = draft('Reports later');
    expect(crier('comms', 'recipients', early, list).status).toBe(0);
    const sent = crierWith({ CRIER_SANDBOX_DELIVERY_DELAY_MS: '600000' }, 'comms', 'send', early, '--wait');
    expect(sent.status, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/status:\s+completed/);
    expect(sent.stdout).toContain('  reports awaited: 3 of 3 sent (delivery errors may still come)\n');
    expect(sent.stdout).toContain(`  follow them:     crier comms status ${early} (reports come in through a running crier serve; send --wait-reports waits for them)`);
    expect(crier('comms', 'status', early).stdout).toContain('  reports awaited: 3 of 3 sent');
    expect(JSON.parse(crier('--json', 'comms', 'status', early).stdout)).toMatchObject({ status: 'completed', awaitingReports: 3 });

    const waited = draft('Reports waited for');
    expect(crier('comms', 'recipients', waited, list).status).toBe(0);
    const done = crierWith({ CRIER_SANDBOX_DELIVERY_DELAY_MS: '300' }, 'comms', 'send', waited, '--wait-reports');
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/delivery errors: 1\n/);
    expect(done.stdout).not.toContain('reports awaited');
    expect(JSON.parse(crier('--json', 'comms', 'status', waited).stdout)).toMatchObject({ deliveryErrors: 1, awaitingReports: 0 });
    // The first one's reports are not due yet: still awaited.
    expect(JSON.parse(crier('--json', 'comms', 'status', early).stdout)).toMatchObject({ awaitingReports: 3 });
  }, 180_000);
});
