// What `crier serve` says where: on a terminal a short banner (address, database, providers,
// the first-admin link) and human log lines; into a pipe or a file, JSON lines only. Also
// `crier --version` and a `--help` that promises nothing that does not exist.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printServeBanner, serveBanner, type ServeFacts } from '../../src/cli/banner.js';
import { humanLine, logFormat } from '../../src/logging.js';
import { openStore } from '../../src/store/store.js';

const BIN = resolve('bin/crier.js');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'crier-banner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const facts: ServeFacts = {
  version: '1.2.3',
  address: 'http://127.0.0.1:3000',
  host: '127.0.0.1',
  database: { dialect: 'sqlite', location: '/srv/crier/data/crier.db' },
  providers: { email: 'sendgrid', sms: 'sandbox' },
  sender: true,
  setup: { url: 'http://127.0.0.1:3000/setup?token=abc', expiresAt: Date.UTC(2030, 0, 2, 3, 4) },
};

describe('the serve banner', () => {
  it('is printed only to a terminal', () => {
    const written: string[] = [];
    expect(printServeBanner(facts, false, (t) => written.push(t))).toBe(false);
    expect(written).toEqual([]);
    expect(printServeBanner(facts, true, (t) => written.push(t))).toBe(true);
    expect(written.join('')).toBe(serveBanner(facts));
  });

  it('names the address, the database, each channel’s provider and the setup link', () => {
    const text = serveBanner(facts);
    expect(text).toMatch(/^Crier 1\.2\.3 is serving at http:\/\/127\.0\.0\.1:3000\n/);
    expect(text).toMatch(/database +SQLite \/srv\/crier\/data\/crier\.db/);
    expect(text).toMatch(/email +sendgrid\n/);
    expect(text).toMatch(/sms +sandbox \(nothing leaves this machine\)/);
    expect(text).toMatch(/first admin +http:\/\/127\.0\.0\.1:3000\/setup\?token=abc/);
    expect(text).toMatch(/valid until 2030-01-02 03:04 UTC/);
    expect(text.split('\n').length).toBeLessThan(12);
    const noSetup = serveBanner({ ...facts, setup: null, sender: false });
    expect(noSetup).not.toMatch(/first admin|setup/);
    expect(noSetup).toMatch(/sender +off \(CRIER_SENDER=false\)/);
  });

  it('says "every interface" for a wildcard host and keeps a PostgreSQL password out', async () => {
    const store = openStore('postgres://crier:s3cret-pw@db.example:5432/crier');
    try {
      const text = serveBanner({ ...facts, host: '0.0.0.0', database: { dialect: store.dialect, location: store.location } });
      expect(text).toMatch(/serving at http:\/\/0\.0\.0\.0:3000 \(every interface; from this machine http:\/\/127\.0\.0\.1:3000\)/);
      expect(text).toMatch(/database +PostgreSQL postgres:\/\/crier:\*\*\*@db\.example:5432\/crier/);
      expect(text).not.toContain('s3cret-pw');
    } finally {
      await store.close();
    }
  });
});

describe('log lines', () => {
  it('auto is text on a terminal and JSON elsewhere; json and text are forced', () => {
    expect(logFormat('auto', true)).toBe('text');
    expect(logFormat('auto', false)).toBe('json');
    expect(logFormat('json', true)).toBe('json');
    expect(logFormat('text', false)).toBe('text');
  });

  it('reads as a person would: time, level, message, fields, the stack below', () => {
    const line = humanLine(
      JSON.stringify({ level: 50, time: Date.UTC(2030, 0, 1), pid: 1, hostname: 'h', channel: 'sms', err: { message: 'boom', stack: 'Error: boom\n    at x' }, msg: 'send failed' }),
    );
    expect(line).toMatch(/^\d\d:\d\d:\d\d ERROR send failed channel=sms\n {4}Error: boom\n {8}at x\n$/);
    expect(humanLine(JSON.stringify({ level: 30, time: 0, msg: 'request completed', req: { method: 'GET', url: '/healthz' }, res: { statusCode: 200 } }))).toMatch(
      /INFO  request completed GET \/healthz 200\n$/,
    );
  });
});

/** `crier serve` on a fresh database until `done` says it has seen enough of its output. */
function serveUntil(command: string, args: string[], database: string, done: (output: string) => boolean) {
  const child = spawn(command, args, {
    env: { ...process.env, DATABASE_URL: database, CRIER_LOG_LEVEL: 'info', CRIER_LOG_FORMAT: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  return new Promise<typeof output & { stop(): Promise<void> }>((resolveRun, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; output: ${JSON.stringify(output)}`)), 30_000);
    const check = () => {
      if (!done(output.stdout + output.stderr)) return;
      clearTimeout(timer);
      resolveRun({
        ...output,
        stop: () =>
          new Promise((stopped) => {
            child.on('exit', () => stopped());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', (d: Buffer) => ((output.stdout += d.toString()), check()));
    child.stderr.on('data', (d: Buffer) => ((output.stderr += d.toString()), check()));
  });
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('crier serve', () => {
  it.skipIf(!hasScript)('on a terminal: the banner with the real address and a working setup link, no JSON', async () => {
    const run = await serveUntil('script', ['-qec', `${process.execPath} ${BIN} serve --port 0`, '/dev/null'], join(dir, 'tty.db'), (out) =>
      /sender started/.test(out),
    );
    try {
      const text = run.stdout.replace(/\r/g, '');
      const address = /Crier \S+ is serving at (http:\/\/127\.0\.0\.1:\d+)\n/.exec(text)?.[1];
      expect(address).toBeDefined();
      expect(text).toContain(`Crier ${VERSION} is serving`);
      expect(text).toMatch(new RegExp(`database +SQLite ${join(dir, 'tty.db').replace(/[.]/g, '\\.')}`));
      expect(text).toMatch(/email +sandbox/);
      expect(text).toMatch(/sms +sandbox/);
      const link = /first admin +(\S+)/.exec(text)?.[1];
      expect(link?.startsWith(`${address}/setup?token=`)).toBe(true);
      expect((await fetch(link!)).status).toBe(200);
      // Log lines for a person, not JSON; the banner's facts are not repeated as log lines.
      expect(text).toMatch(/^\d\d:\d\d:\d\d INFO {2}sender started/m);
      expect(text).not.toMatch(/\{"level"/);
      expect(text).not.toMatch(/Crier is serving/);
    } finally {
      await run.stop();
    }
  });

  it('into a pipe: JSON lines only, and the setup link names the address it listens on', async () => {
    const run = await serveUntil(process.execPath, [BIN, 'serve', '--port', '0'], join(dir, 'pipe.db'), (out) => /sender started/.test(out));
    try {
      expect(run.stderr).toBe('');
      const records = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; address?: string });
      const serving = records.find((r) => r.msg === 'Crier is serving');
      expect(serving?.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const setup = records.find((r) => r.msg.startsWith('No users yet'));
      expect(setup?.msg).toContain(`${serving!.address}/setup?token=`);
    } finally {
      await run.stop();
    }
  });

  it('--version prints the version; --help says serve gives the web UI and the API', async () => {
    const run = (args: string[]) =>
      new Promise<{ stdout: string; code: number }>((done) =>
        execFile(process.execPath, [BIN, ...args], (err, stdout) => done({ stdout, code: err ? 1 : 0 })),
      );
    const version = await run(['--version']);
    expect(version).toEqual({ stdout: `${VERSION}\n`, code: 0 });
    const help = await run(['--help']);
    expect(help.stdout).toMatch(/-V, --version/);
    expect(help.stdout).toMatch(/serve .*web UI and the HTTP API/);
    expect((await run(['serve', '--help'])).stdout).toMatch(/builds the web UI when web\/ changed/);
  });
});
