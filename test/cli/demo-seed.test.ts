// `crier demo seed` as a newcomer runs it: demo accounts, templates, and a recipients file that
// `crier comms recipients` takes as it is (the README's first send needs one).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoAccountsCsv } from '../../src/demo/demo-accounts.js';

const bin = resolve('bin/crier.js');
const dir = mkdtempSync(join(tmpdir(), 'crier-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function crier(database: string, ...args: string[]) {
  const env = { ...process.env, CRIER_LOG_LEVEL: 'warn', DATABASE_URL: database };
  return spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env, timeout: 60_000 });
}

describe('crier demo seed', () => {
  it('writes the demo accounts of one service area as a recipients CSV that attaches without a rejected row', () => {
    const database = join(dir, 'seeded.db');
    const seeded = crier(database, 'demo', 'seed', '--accounts', '300');
    expect(seeded.status, seeded.stderr).toBe(0);
    const laval = new Set([...demoAccountsCsv(300)].join('').split('\n').filter((l) => l.split(',')[9] === 'Laval').map((l) => l.split(',')[0]));
    const [header, ...uuids] = readFileSync(join(dir, 'demo-recipients.csv'), 'utf8').trimEnd().split('\n');
    expect(header).toBe('account_uuid');
    expect(uuids.length).toBeGreaterThan(10);
    expect(uuids.every((u) => laval.has(u))).toBe(true);
    expect(seeded.stdout).toContain(`Demo recipients: the ${uuids.length} accounts in Laval that can be reached, written to demo-recipients.csv`);

    const created = crier(database, 'comms', 'create', '--name', 'Laval outage', '--template', '2');
    expect(created.status, created.stderr).toBe(0);
    const attached = crier(database, 'comms', 'recipients', created.stdout.trim(), 'demo-recipients.csv');
    expect(attached.status, attached.stdout).toBe(0);
    expect(attached.stdout).toContain(`${uuids.length} rows read, ${uuids.length} accepted, 0 rejected`);

    // Seeding again rewrites the same file; --recipients puts it elsewhere.
    const again = crier(database, '--json', 'demo', 'seed', '--accounts', '300', '--recipients', 'outage.csv');
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ accounts: { unchanged: 300 }, recipients: { file: 'outage.csv', serviceArea: 'Laval', accounts: uuids.length } });
    expect(readFileSync(join(dir, 'outage.csv'), 'utf8')).toBe(readFileSync(join(dir, 'demo-recipients.csv'), 'utf8'));
  }, 120_000);

  it('refuses a recipients file it cannot write, in one line naming it, before seeding anything', () => {
    const database = join(dir, 'refused.db');
    const refused = crier(database, 'demo', 'seed', '--accounts', '50', '--recipients', 'no/such/dir/recipients.csv');
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'crier: Cannot write the recipients file no/such/dir/recipients.csv: no such directory; nothing was seeded (choose another file with --recipients)',
    );
    expect(existsSync(database)).toBe(false);
  }, 60_000);
});
