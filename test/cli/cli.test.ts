// The `crier` command as an operator runs it: real processes, real files.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { uuidFor } from '../harness/accounts.js';

const dir = mkdtempSync(join(tmpdir(), 'crier-cli-'));
const database = join(dir, 'crier.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function crier(...args: string[]) {
  const env = { ...process.env, CRIER_LOG_LEVEL: 'warn', DATABASE_URL: database, CRIER_DEFAULT_REGION: 'CA' };
  return spawnSync(process.execPath, ['bin/crier.js', ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

describe('crier command', () => {
  it('migrates, then reports the schema up to date', () => {
    const first = crier('migrate');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Applied: 0001-initial/);
    expect(crier('migrate').stdout).toMatch(/up to date/);
  });

  it('imports accounts: exit 0 when clean, 1 with rejected rows, 2 on a fatal error', () => {
    const good = join(dir, 'good.csv');
    writeFileSync(good, `uuid,first_name\n${uuidFor(1)},Ann\n${uuidFor(2)},Ben\n`);
    const ok = crier('accounts', 'import', good);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/2 inserted, 0 updated, 0 unchanged, 0 rejected/);

    const mixed = join(dir, 'mixed.csv');
    writeFileSync(mixed, `uuid,email\n${uuidFor(1)},ann@example.com\nxyz,xyz@example.com\n`);
    const partial = crier('accounts', 'import', mixed, '--json');
    expect(partial.status).toBe(1);
    expect(JSON.parse(partial.stdout)).toMatchObject({ updated: 1, rejectedRows: 1, rejected: [{ line: 3, reason: 'invalid_uuid' }] });

    const fatal = join(dir, 'fatal.csv');
    writeFileSync(fatal, 'name,email\nAnn,ann@example.com\n');
    const refused = crier('accounts', 'import', fatal);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/no account UUID column/);
    expect(crier('accounts', 'import', join(dir, 'missing.csv')).stderr).toMatch(/no such file/);
  });

  it('refuses a bad setting, naming it', () => {
    const res = spawnSync(process.execPath, ['bin/crier.js', 'migrate'], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: database, PORT: 'eighty' },
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/PORT = "eighty"/);
  });

  it('seeds the same demo accounts each time', () => {
    // Its recipients file in the test's folder, not the checkout.
    const recipients = join(dir, 'demo-recipients.csv');
    expect(crier('demo', 'seed', '--accounts', '300', '--recipients', recipients).stdout).toMatch(/300 inserted/);
    expect(crier('demo', 'seed', '--accounts', '300', '--recipients', recipients).stdout).toMatch(/0 inserted, 0 updated, 300 unchanged/);
  });

  it('serves /healthz and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/crier.js', 'serve', '--port', '0'], {
      env: { ...process.env, DATABASE_URL: database, CRIER_LOG_LEVEL: 'info' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listen line in: ${output}`)), 30_000);
      child.stdout.on('data', () => {
        const match = /"address":"(http:\/\/[^"]+)"/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const res = await fetch(`${address}/healthz`);
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(output).toMatch(/"msg":"stopped"/);
  });
});
