// The README's "Running on PostgreSQL" example, run as written against the test server: its
// `sudo -u postgres …` lines as that server's superuser, then Crier on the URL it gives. A role and
// a database of a unique name stand for `crier`, and are dropped afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const ADMIN_URL = process.env.CRIER_TEST_POSTGRES_URL;
const hasClients = spawnSync('psql', ['--version']).status === 0 && spawnSync('createdb', ['--version']).status === 0;

/** The fenced block under "## Running on PostgreSQL", its comments removed. */
function readmeBlock(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const block = /^## Running on PostgreSQL\n[^#]*?^```sh\n([\s\S]*?)^```/m.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no sh block under "## Running on PostgreSQL"');
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line !== '');
}

/** Whether `password` is the one PostgreSQL stored for the role (SCRAM-SHA-256 or md5). */
function isRolePassword(stored: string, role: string, password: string): boolean {
  const scram = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(stored);
  if (scram) {
    const salted = pbkdf2Sync(password, Buffer.from(scram[2]!, 'base64'), Number(scram[1]), 32, 'sha256');
    const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
    return storedKey === scram[3];
  }
  return stored === `md5${createHash('md5').update(password + role).digest('hex')}`;
}

describe.skipIf(!ADMIN_URL || !hasClients)('README: Running on PostgreSQL', () => {
  const admin = new URL(ADMIN_URL ?? 'postgres://localhost');
  const name = `crier_readme_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const superuser = async <T>(work: (client: pg.Client) => Promise<T>, database = admin.pathname.slice(1)): Promise<T> => {
    const url = new URL(admin);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  afterAll(() =>
    superuser(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${name}`);
    }),
  );

  it('makes a role and a database that Crier migrates and serves from', async () => {
    const lines = readmeBlock().map((line) => line.replace(/\bcrier\b/g, name));
    const start = lines.pop()!;
    // Each `sudo -u postgres` line runs as the test server's superuser (psql and createdb read PG*).
    const asPostgres = {
      ...process.env,
      PGHOST: admin.hostname,
      PGPORT: admin.port || '5432',
      PGUSER: decodeURIComponent(admin.username),
      PGPASSWORD: decodeURIComponent(admin.password),
      PGDATABASE: admin.pathname.slice(1) || 'postgres',
    };
    for (const line of lines) {
      const command = line.replace(/^sudo -u postgres /, '');
      const run = spawnSync('bash', ['-c', command], { env: asPostgres, encoding: 'utf8' });
      expect({ line, status: run.status, stderr: run.stderr }).toEqual({ line, status: 0, stderr: '' });
    }

    // The last line: DATABASE_URL=… npm start, on the test server's host and port.
    const match = /^DATABASE_URL=(\S+) npm start$/.exec(start);
    expect(match, start).not.toBeNull();
    const url = new URL(match![1]!);
    expect(decodeURIComponent(url.username)).toBe(name);
    expect(url.pathname).toBe(`/${name}`);
    // A stock server asks for a password over TCP: the URL's must be the role's.
    const stored = await superuser(async (c) => (await c.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [name])).rows[0]?.rolpassword);
    expect(stored, 'the role has no password').toBeTruthy();
    expect(isRolePassword(stored!, name, decodeURIComponent(url.password))).toBe(true);

    url.hostname = admin.hostname;
    url.port = admin.port || '5432';
    // What `npm start` runs (bin/crier.js serve), on a free port.
    const child = spawn(process.execPath, ['bin/crier.js', 'serve', '--port', '0'], {
      env: { ...process.env, DATABASE_URL: url.toString(), CRIER_LOG_LEVEL: 'info', CRIER_SENDER: 'false' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not serving; output: ${output}`)), 30_000);
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
        child.stdout.on('data', () => {
          const found = /"address":"(http:\/\/[^"]+)"[^\n]*"msg":"Crier is serving"/.exec(output)?.[1];
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        });
      });
      const ready = await fetch(`${address}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', database: 'postgres' });
    } finally {
      child.kill('SIGTERM');
    }
    // The tables are the role's own.
    const owners = await superuser(async (c) => (await c.query<{ tableowner: string }>("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).rows, name);
    expect(owners).toEqual([{ tableowner: name }]);
  });
});
