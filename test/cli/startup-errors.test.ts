// A mistake at start-up (a database URL Crier cannot use, a port in use, a directory given as a
// file, a bad proxy setting) is one line on stderr naming what and where, exit 2, and nothing
// started: no server, no sender, no file or directory made.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/store.js';

const BIN = resolve('bin/crier.js');
const dir = mkdtempSync(join(tmpdir(), 'crier-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real command in a working directory of its own, so that a stray file would show. */
function crier(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env, CRIER_LOG_LEVEL: 'info' };
  delete base.DATABASE_URL;
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...base, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function freshDir(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

/** One line naming the problem: no stack, no second line. */
function expectOneLine(run: Run): void {
  expect(run.code).toBe(2);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('DATABASE_URL', () => {
  it('refuses a scheme Crier does not speak, naming the setting, and makes no file', async () => {
    const cwd = freshDir('mysql');
    const run = await crier(cwd, ['migrate'], { DATABASE_URL: 'mysql://root:hunter2@127.0.0.1/x' });
    expectOneLine(run);
    expect(run.stderr).toMatch(/DATABASE_URL/);
    expect(run.stderr).toMatch(/mysql/);
    expect(run.stderr).toMatch(/postgres:\/\//);
    // The password is not repeated back.
    expect(run.stderr).not.toMatch(/hunter2/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses a SQLite file in a directory that does not exist, and creates none', async () => {
    const cwd = freshDir('missing-parent');
    const run = await crier(cwd, ['migrate'], { DATABASE_URL: './nowhere/deeper/crier.db' });
    expectOneLine(run);
    expect(run.stderr).toMatch(/DATABASE_URL/);
    expect(run.stderr).toContain(join(cwd, 'nowhere', 'deeper'));
    expect(run.stderr).toMatch(/does not exist/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('creates the default ./data directory (and only that one)', async () => {
    const cwd = freshDir('default');
    const run = await crier(cwd, ['migrate']);
    expect(run.code).toBe(0);
    expect(existsSync(join(cwd, 'data', 'crier.db'))).toBe(true);
  });

  it('takes sqlite: URLs and paths in directories that exist', () => {
    const target = freshDir('existing');
    for (const url of [join(target, 'a.db'), `sqlite:${join(target, 'b.db')}`, `sqlite://${join(target, 'c.db')}`]) {
      expect(loadConfig({ env: { DATABASE_URL: url } }).databaseUrl).toBe(url);
    }
    expect(() => loadConfig({ env: { DATABASE_URL: 'mongodb://x/y' } })).toThrow(/DATABASE_URL.*mongodb/);
    expect(() => loadConfig({ env: { DATABASE_URL: join(target, 'no', 'x.db') } })).toThrow(/DATABASE_URL.*does not exist/);
  });

  it('the store itself creates no directory but the default', () => {
    const missing = join(dir, 'store-missing', 'x.db');
    expect(() => openStore(missing)).toThrow(/does not exist/);
    expect(existsSync(join(dir, 'store-missing'))).toBe(false);
  });
});

describe('crier serve', () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((closed) => blocker.close(() => closed())));

  it('on a port in use: one line naming the address, exit 2, no sender started', async () => {
    const cwd = freshDir('port-in-use');
    const run = await crier(cwd, ['serve', '--port', String(port)]);
    expectOneLine(run);
    expect(run.stderr).toContain(`127.0.0.1:${port}`);
    expect(run.stderr).toMatch(/in use/);
    expect(run.stderr).toMatch(/--port|PORT/);
    expect(run.stdout).not.toMatch(/sender started|Crier is serving/);
  });

  it('CRIER_TRUST_PROXY=maybe: one line naming the setting, exit 2, nothing served', async () => {
    const cwd = freshDir('trust-proxy');
    const run = await crier(cwd, ['serve', '--port', '0'], { CRIER_TRUST_PROXY: 'maybe' });
    expectOneLine(run);
    expect(run.stderr).toMatch(/CRIER_TRUST_PROXY = "maybe"/);
    expect(run.stdout).not.toMatch(/sender started|Crier is serving/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('CRIER_TRUST_PROXY takes yes/no, addresses, CIDRs and proxy-addr names', () => {
    const trust = (value: string) => loadConfig({ env: { CRIER_TRUST_PROXY: value } }).http.trustProxy;
    expect(trust('yes')).toBe(true);
    expect(trust('false')).toBe(false);
    expect(trust('10.0.0.1, 192.168.0.0/16,::1,fd00::/8,loopback')).toEqual(['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8', 'loopback']);
    expect(() => trust('10.0.0.0/33')).toThrow(/CRIER_TRUST_PROXY.*10\.0\.0\.0\/33/);
    expect(() => trust('proxy.internal')).toThrow(/CRIER_TRUST_PROXY/);
  });
});

describe('a directory given as a file', () => {
  it('is one line naming it, for every command that reads a file', async () => {
    const cwd = freshDir('directory-input');
    const folder = freshDir('a-folder');
    for (const args of [
      ['accounts', 'import', folder],
      ['templates', 'import', folder],
      ['comms', 'recipients', '1', folder],
      ['suppressions', 'import', folder],
    ]) {
      const run = await crier(cwd, args, { DATABASE_URL: join(cwd, 'crier.db') });
      expectOneLine(run);
      expect(run.stderr).toContain(`${folder} is a directory`);
    }
  });
});
