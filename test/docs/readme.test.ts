// The README followed literally on a fresh clone: every block marked as an example runs as
// written (SQLite, in a directory of its own), in order, and what it prints is what a reader
// needs (a data file that parses, with its header). The PostgreSQL example runs too when
// CRIER_TEST_POSTGRES_URL names a server. And the docs send readers only to files a clone has.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cloneLikeDirectory,
  freePort,
  freshShellEnv,
  postgresEnv,
  readmeExamples,
  runReadmeBlock,
  writeSudoShim,
  type ReadmeExample,
} from '../harness/readme.js';

const POSTGRES_URL = process.env.CRIER_TEST_POSTGRES_URL;
const examples = readmeExamples();
const sqliteExamples = examples.filter((e) => !e.name.startsWith('postgres'));

/** A CSV file the example wrote: it parses, and its first row is `header`. Returns the data rows. */
function csvRows(path: string, header: string[]): string[][] {
  const text = readFileSync(path, 'utf8');
  const parsed = Papa.parse<string[]>(text, { delimiter: ',', skipEmptyLines: true });
  expect(parsed.errors, `${path} does not parse`).toEqual([]);
  expect(parsed.data[0], `${path} starts with something other than its header`).toEqual(header);
  return parsed.data.slice(1);
}

/** What each example must have done, beyond exiting 0; run in the example's directory after it. */
const CHECKS: Record<string, (out: { stdout: string; stderr: string; dir: string }) => void> = {
  seed: ({ stdout, dir }) => {
    expect(stdout).toMatch(/Demo accounts: 500 inserted, 0 updated, 0 unchanged/);
    expect(stdout).toMatch(/Demo templates: 2 created/);
    expect(stdout).toMatch(/Demo recipients: the \d+ accounts in Laval that can be reached, written to demo-recipients\.csv/);
    expect(csvRows(join(dir, 'demo-recipients.csv'), ['account_uuid']).length).toBeGreaterThan(20);
    expect(stdout).toMatch(/Created admin Ada Lovelace .*\nPassword \(shown once\): \S{12,}/);
  },
  send: ({ stdout, dir }) => {
    const recipients = csvRows(join(dir, 'demo-recipients.csv'), ['account_uuid']).length;
    expect(stdout).toContain(`demo-recipients.csv: ${recipients} rows read, ${recipients} accepted, 0 rejected`);
    expect(stdout).toMatch(/status:\s+completed/);
    const sent = Number(/messages sent:\s+(\d+) of \d+/.exec(stdout)?.[1]);
    expect(sent).toBeGreaterThan(recipients);
    // No server runs here: every report is still to come, and the command says so.
    expect(stdout).toContain(`reports awaited: ${sent} of ${sent} sent`);
    csvRows(join(dir, 'failures.csv'), ['message_id', 'account_uuid', 'account_name', 'line', 'type', 'error_code', 'error', 'received_nothing']);
    const deliveries = csvRows(join(dir, 'deliveries.csv'), ['message_id', 'account_uuid', 'account_name', 'type', 'sent_at', 'status', 'error']);
    expect(deliveries).toHaveLength(sent);
  },
};

describe('the README, followed literally', () => {
  it('marks its examples, among them the first look and the first send', () => {
    expect(sqliteExamples.map((e) => e.name)).toEqual(expect.arrayContaining(Object.keys(CHECKS)));
    expect(examples.map((e) => e.name)).toContain('postgres');
    expect(new Set(examples.map((e) => e.name)).size, 'example names are unique').toBe(examples.length);
  });

  describe('on SQLite, in a fresh clone', () => {
    // One clone for all of them: each example carries on from the one before, as a reader would.
    let clone: ReturnType<typeof cloneLikeDirectory>;
    beforeAll(() => {
      clone = cloneLikeDirectory();
    });
    afterAll(() => clone.remove());
    for (const example of sqliteExamples) {
      it(`runs "${example.name}" (README line ${example.line}) as written`, async () => {
        const run = await runReadmeBlock(example.text, { cwd: clone.dir, env: freshShellEnv() });
        expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
        CHECKS[example.name]?.({ ...run, dir: clone.dir });
        expect(existsSync(join(clone.dir, 'data', 'crier.db'))).toBe(true);
      }, 180_000);
    }
  });

  describe.skipIf(!POSTGRES_URL)('on PostgreSQL (CRIER_TEST_POSTGRES_URL)', () => {
    for (const example of examples.filter((e) => e.name.startsWith('postgres'))) {
      it(`runs "${example.name}" (README line ${example.line}) against a role and database of its own, and the server answers`, async () => {
        const clone = cloneLikeDirectory();
        writeSudoShim(clone.shims);
        const name = `crier_readme_${process.pid}_${Date.now().toString(36)}`;
        try {
          const env = freshShellEnv({
            ...postgresEnv(POSTGRES_URL!),
            PATH: `${clone.shims}:${process.env.PATH}`,
            PORT: String(await freePort()),
          });
          const run = await runReadmeBlock(onTestServer(example, POSTGRES_URL!, name), { cwd: clone.dir, env, serves: true, timeoutMs: 120_000 });
          expect(run.healthy, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(true);
          // The server migrated the example's database, as its own role.
          const admin = new pg.Client({ connectionString: POSTGRES_URL });
          await admin.connect();
          try {
            const { rows } = await admin.query<{ owner: string }>(`SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1`, [name]);
            expect(rows).toEqual([{ owner: name }]);
          } finally {
            await admin.end();
          }
          expect(existsSync(join(clone.dir, 'data'))).toBe(false);
        } finally {
          await dropDatabaseAndRole(POSTGRES_URL!, name);
          clone.remove();
        }
      }, 180_000);
    }
  });
});

/**
 * The PostgreSQL example as written, on the test server: its role and database (`crier` in the
 * README) get a name of their own, so runs never meet each other or a real `crier` database, and
 * the URL's host and port become the test server's. Nothing else changes.
 */
function onTestServer(example: ReadmeExample, serverUrl: string, name: string): string {
  const server = new URL(serverUrl);
  const rename = (text: string) => (text === 'crier' ? name : text);
  return example.text
    .split('\n')
    .map((line) =>
      line
        .replace(/postgres(?:ql)?:\/\/[^\s"']+/g, (written) => {
          const url = new URL(written);
          url.hostname = server.hostname;
          url.port = server.port || '5432';
          url.username = rename(url.username);
          url.pathname = `/${rename(url.pathname.slice(1))}`;
          return url.toString();
        })
        // The role and database as a word (`createdb --owner crier crier`), not "npx crier" or "npm run crier".
        .replace(/(?<!(?:npx|run|-s) )(?<![\w/.:@-])crier(?![\w.:@-])/g, name),
    )
    .join('\n');
}

async function dropDatabaseAndRole(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${name}`);
  } finally {
    await admin.end();
  }
}

describe('the docs', () => {
  const root = resolve('.');
  const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

  it.each(files)('%s sends readers only to files a clone has', (file) => {
    const text = readFileSync(file, 'utf8');
    // Outside the checkout (../shared/DESIGN.md): a clone has none of it.
    expect(text.match(/\.\.\/[\w./-]+/g) ?? [], 'paths outside the checkout').toEqual([]);
    // Markdown links to files: each exists, relative to the file that links.
    const base = file.includes('/') ? join(root, 'docs') : root;
    const broken = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^[a-z]+:/.test(target) && !existsSync(join(base, target)));
    expect(broken, 'links to missing files').toEqual([]);
  });
});
