// Shared by the benchmarks that drive a real `crier serve`: a database of reachable accounts made
// once and copied per run, a sender's token and a draft addressed to every account, the server
// as a child process, and pollers that time each route while something long runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Pool } from 'undici';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { CLI_ACTOR } from '../src/domain/actor.js';
import { median } from './lib.js';

export const OUT = join('bench', 'out');
mkdirSync(OUT, { recursive: true });

export const CONTENT = {
  defaultLanguage: 'en',
  email: {
    en: {
      subject: 'Outage in {{ account.attributes.service_area }}',
      html: '<p>Hello {{ account.first_name }}, service is interrupted in {{ account.attributes.service_area }}.</p>',
      text: 'Hello {{ account.first_name }}, service is interrupted in {{ account.attributes.service_area }}.',
    },
  },
  sms: { en: { body: 'Hello {{ account.first_name }}: outage in {{ account.attributes.service_area }}, crews on site.' } },
};

const uuid = (n: number, prefix: string) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** CSV chunks of `count` accounts, each with an email and a (valid, Canadian) phone number. */
export function* reachableAccountsCsv(count: number, prefix = '00000000', chunkRows = 10_000): Generator<string> {
  let chunk = 'uuid,first_name,last_name,email,phone,language,service_area\n';
  for (let i = 1; i <= count; i++) {
    const phone = `+1514${String(2_000_000 + (i % 7_000_000)).padStart(7, '0')}`;
    chunk += `${uuid(i, prefix)},First${i},Last${i},${prefix}.user${i}@example.com,${phone},${i % 4 ? 'en' : 'fr'},Area ${i % 40}\n`;
    if (i % chunkRows === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

const quiet = () => pino({ level: 'warn' });

async function seedAccounts(url: string, count: number): Promise<void> {
  const app = await createApp(loadConfig({ env: { DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn' } }), { logger: quiet() });
  try {
    await app.accounts.import(reachableAccountsCsv(count), { actor: CLI_ACTOR });
  } finally {
    await app.close();
  }
}

/** A fresh copy of a SQLite database holding `accounts` reachable accounts. */
export async function freshSqlite(accounts: number, name: string): Promise<string> {
  const base = join(OUT, `serve-base-${accounts}.db`);
  if (!existsSync(base)) await seedAccounts(base, accounts);
  const url = join(OUT, `${name}.db`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(url + suffix, { force: true });
  copyFileSync(base, url);
  return url;
}

/** A fresh PostgreSQL database (from a template made once) holding `accounts` reachable accounts. */
export async function freshPostgres(adminUrl: string, accounts: number, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const url = (db: string) => Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
  try {
    const base = `crier_serve_base_${accounts}`;
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [base]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${base}`);
      await seedAccounts(url(base), accounts);
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${base}`);
  } finally {
    await admin.end();
  }
  return url(name);
}

export interface Prepared {
  token: string;
  /** A draft with email and SMS content addressed to every account (null without one). */
  draftId: number | null;
}

/** A sender with an API token and, unless `draft` is false, a draft to every account in the database. */
export async function prepare(url: string, draft = true): Promise<Prepared> {
  const app = await createApp(loadConfig({ env: { DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn' } }), { logger: quiet() });
  try {
    const email = `bench.${Date.now()}@example.com`;
    const { user } = await app.auth.users.create({ email, firstName: 'Bench', lastName: 'Sender', role: 'sender', password: 'correct horse battery staple' }, CLI_ACTOR);
    const { token } = await app.auth.tokens.create(user.id, 'bench', CLI_ACTOR);
    if (!draft) return { token, draftId: null };
    const created = await app.communications.create({ name: 'Bench outage notice' }, CLI_ACTOR);
    await app.communications.update(created.id, { version: created.version, content: CONTENT }, CLI_ACTOR);
    await app.engine.run(`INSERT INTO recipients (communication_id, account_id, line) SELECT ?, id, id + 1 FROM accounts ORDER BY id`, [created.id]);
    await app.engine.run(`UPDATE communications SET recipients_count = (SELECT COUNT(*) FROM recipients WHERE communication_id = ?) WHERE id = ?`, [created.id, created.id]);
    return { token, draftId: created.id };
  } finally {
    await app.close();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** What the benchmarks read of the API's answers (the list, one communication, an import report). */
export interface Answer {
  status?: string;
  messages?: { total: number; sent: number; sendFailed: number; cancelled: number };
  progress?: { sent: number } | null;
  items?: { id: number }[];
  error?: unknown;
}

export interface RunningServer {
  url: string;
  pool: Pool;
  child: ChildProcess;
  /** Requests as the prepared sender; answers status, JSON body and milliseconds taken. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Answer; ms: number }>;
  stop(): Promise<void>;
}

/** `crier serve` (or any `crier` command that serves) as its own process, ready when /healthz answers. */
export async function startServe(url: string, token: string, env: Record<string, string> = {}, command = ['serve']): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/crier.js', ...command, '--port', String(port)], {
    env: { ...process.env, DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const pool = new Pool(base, { connections: 16 });
  const request: RunningServer['request'] = async (method, path, body) => {
    const started = performance.now();
    const response = await pool.request({
      method: method as 'GET',
      path,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.body.text();
    const ms = performance.now() - started;
    let parsed: Answer = {};
    try {
      parsed = JSON.parse(text) as Answer;
    } catch {
      // CSV or text: kept as it is.
    }
    return { status: response.statusCode, body: parsed, ms };
  };
  for (let i = 0; ; i++) {
    try {
      if ((await request('GET', '/healthz')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 300 || child.exitCode !== null) throw new Error('crier serve did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: base,
    pool,
    child,
    request,
    async stop() {
      await pool.close();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

export interface RouteTimes {
  count: number;
  p50: number;
  p95: number;
  max: number;
  errors: number;
  /** The slowest answers: [ms, seconds after polling began]. */
  slowest?: [number, number][];
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarise(ms: number[], errors = 0): RouteTimes {
  const sorted = [...ms].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { count: ms.length, p50: round(median(sorted.length ? sorted : [NaN])), p95: round(percentile(sorted, 95)), max: round(sorted.at(-1) ?? NaN), errors };
}

/**
 * Polls each path every `everyMs` (a path whose answer is late is asked again as soon as it comes)
 * until stopped; answers each path's timings.
 */
export function poll(server: RunningServer, paths: Record<string, string>, everyMs = 100) {
  let running = true;
  const began = performance.now();
  const times: Record<string, number[]> = {};
  const at: Record<string, number[]> = {};
  const errors: Record<string, number> = {};
  const loops = Object.entries(paths).map(async ([name, path]) => {
    times[name] = [];
    at[name] = [];
    errors[name] = 0;
    let next = performance.now();
    while (running) {
      try {
        const { status, ms } = await server.request('GET', path);
        times[name]!.push(ms);
        at[name]!.push((performance.now() - began) / 1000);
        if (status !== 200) errors[name]!++;
      } catch {
        errors[name]!++;
      }
      next += everyMs;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else next = performance.now();
    }
  });
  return {
    async stop(): Promise<Record<string, RouteTimes>> {
      running = false;
      await Promise.all(loops);
      const round = (n: number) => Math.round(n * 10) / 10;
      return Object.fromEntries(
        Object.keys(paths).map((name) => {
          const slowest = times[name]!.map((ms, i): [number, number] => [round(ms), round(at[name]![i]!)]).sort((a, b) => b[0] - a[0]).slice(0, 3);
          return [name, { ...summarise(times[name]!, errors[name]), slowest }];
        }),
      );
    },
  };
}

/** Waits until the communication leaves In Progress, asking every `everyMs`. */
export async function waitUntilFinished(server: RunningServer, id: number, everyMs = 1000): Promise<Answer> {
  for (;;) {
    const { body } = await server.request('GET', `/api/communications/${id}`);
    if (body.status !== 'in_progress') return body;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Send → finish as the database recorded it: messages, seconds and messages per second. */
export async function sendTiming(url: string, id: number): Promise<{ messages: number; seconds: number; perSecond: number }> {
  const app = await createApp(loadConfig({ env: { DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn' } }), { logger: quiet(), migrate: false });
  try {
    const [row] = await app.engine.all<{ send_started_at: number; finished_at: number }>(`SELECT send_started_at, finished_at FROM communications WHERE id = ?`, [id]);
    const { total } = (await app.communications.get(id)).messages;
    const seconds = (Number(row!.finished_at) - Number(row!.send_started_at)) / 1000;
    return { messages: total, seconds: Math.round(seconds * 100) / 100, perSecond: Math.round(total / seconds) };
  } finally {
    await app.close();
  }
}
