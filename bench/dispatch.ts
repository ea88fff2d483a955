// Benchmark: Send → last state recorded, through real `crier worker` processes and a loopback
// provider API. 1,000,000 emails batched 1,000 per request (answered 202 at once) and 100,000 SMS
// one per request, on SQLite and (with --postgres URL) on PostgreSQL with 1, 2 and 4 workers.
// The floors, measured in the same run: the plainest batched primary-key UPDATE loop over as many
// rows, and the raw loopback request rate; each engine rate is reported as a fraction of them.
// With --email-providers loopback,sendgrid,mailgun it instead compares, on SQLite, email through
// the real SendGrid and Mailgun clients against their loopback APIs with the loopback provider,
// runs alternating (--runs each), medians quoted.
// Usage: tsx bench/dispatch.ts [--emails N] [--sms N] [--postgres URL] [--workers 1,2,4] [--only sqlite|postgres]
//        tsx bench/dispatch.ts --email-providers loopback,sendgrid,mailgun [--emails N] [--runs N]
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { CLI_ACTOR } from '../src/domain/actor.js';
import { demoAccountsCsv } from '../src/demo/demo-accounts.js';
import { startLoopbackServer, type LoopbackServer } from '../test/harness/loopback.js';
import { startMailgunApi, type MailgunApi } from '../test/harness/mailgun-api.js';
import { startSendGridApi, type SendGridApi } from '../test/harness/sendgrid-api.js';
import { floorHttp, floorUpdates } from './dispatch-floors.js';
import { machine, median, recordResult } from './lib.js';

const { values } = parseArgs({
  options: {
    emails: { type: 'string', default: '1000000' },
    sms: { type: 'string', default: '100000' },
    postgres: { type: 'string' },
    workers: { type: 'string', default: '1,2,4' },
    only: { type: 'string' },
    'email-providers': { type: 'string' },
    runs: { type: 'string', default: '3' },
  },
});
const EMAILS = Number(values.emails);
const SMS = Number(values.sms);
// About 8 % of demo accounts cannot get email or SMS: make enough for the asked counts.
const ACCOUNTS = Math.ceil(Math.max(EMAILS, SMS) * 1.15);
const OUT = join('bench', 'out');
mkdirSync(OUT, { recursive: true });

const CONTENT = {
  defaultLanguage: 'en',
  email: { en: { subject: 'Outage in {{ account.attributes.service_area }}', html: '<p>Hello {{ account.first_name }}, service is interrupted.</p>', text: 'Hello {{ account.first_name }}, service is interrupted.' } },
  sms: { en: { body: 'Hello {{ account.first_name }}: outage in your area, crews on site.' } },
};

/** The email provider of a comparison run: the loopback provider, or a real client pointed at its loopback API. */
type EmailProvider = { name: 'loopback' } | { name: 'sendgrid'; api: SendGridApi } | { name: 'mailgun'; api: MailgunApi };

function emailProviderEnv(provider: EmailProvider): NodeJS.ProcessEnv {
  switch (provider.name) {
    case 'loopback':
      return {};
    case 'sendgrid':
      return { CRIER_EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: provider.api.apiKey, SENDGRID_BASE_URL: provider.api.url };
    case 'mailgun':
      return { CRIER_EMAIL_PROVIDER: 'mailgun', MAILGUN_API_KEY: provider.api.apiKey, MAILGUN_DOMAIN: provider.api.domain, MAILGUN_BASE_URL: provider.api.url };
  }
}

function workerEnv(url: string, server: LoopbackServer, batch: number, concurrency: number, email: EmailProvider = { name: 'loopback' }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: url,
    CRIER_LOG_LEVEL: 'error',
    CRIER_EMAIL_PROVIDER: 'loopback',
    CRIER_SMS_PROVIDER: 'loopback',
    CRIER_PROVIDER_MODULES: 'test/harness/loopback-provider-module.ts',
    CRIER_LOOPBACK_URL: server.url,
    CRIER_LOOPBACK_BATCH: String(batch),
    CRIER_LOOPBACK_CONCURRENCY: String(concurrency),
    ...emailProviderEnv(email),
  };
}

/** A database with ACCOUNTS demo accounts, made once and reused. */
async function baseDatabase(url: string): Promise<void> {
  const app = await createApp(loadConfig({ env: { DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn' } }), { logger: pino({ level: 'warn' }) });
  const [{ n }] = (await app.store.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).execute()) as [{ n: number }];
  if (Number(n) < ACCOUNTS) await app.accounts.import(demoAccountsCsv(ACCOUNTS, 20_000, 11), { actor: CLI_ACTOR });
  await app.close();
}

async function runOnce(url: string, server: LoopbackServer, channel: 'email' | 'sms', count: number, workers: number, email: EmailProvider = { name: 'loopback' }) {
  const app: App = await createApp(loadConfig({ env: { DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn' } }), { logger: pino({ level: 'warn' }) });
  const content = { ...CONTENT, email: channel === 'email' ? CONTENT.email : null, sms: channel === 'sms' ? CONTENT.sms : null };
  const draft = await app.communications.create({ name: `bench ${channel} ${count}` }, CLI_ACTOR);
  await app.communications.update(draft.id, { version: draft.version, content }, CLI_ACTOR);
  const reachable = channel === 'email' ? 'email IS NOT NULL AND email_consent = 1' : 'phone IS NOT NULL AND sms_consent = 1';
  await app.engine.run(
    `INSERT INTO recipients (communication_id, account_id, line) SELECT ?, id, id + 1 FROM accounts WHERE ${reachable} ORDER BY id LIMIT ?`,
    [draft.id, count],
  );
  await app.engine.run(`UPDATE communications SET recipients_count = ? WHERE id = ?`, [count, draft.id]);
  const batch = channel === 'email' ? 1000 : 1;
  const concurrency = channel === 'email' ? 4 : 64;
  const children: ChildProcess[] = [];
  for (let i = 0; i < workers; i++) {
    children.push(spawn(process.execPath, ['bin/crier.js', 'worker'], { env: workerEnv(url, server, batch, concurrency, email), stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  await new Promise((r) => setTimeout(r, 2500)); // workers up before the clock starts
  server.received.clear();
  const started = performance.now();
  await app.sending.send(draft.id, CLI_ACTOR);
  let view = await app.communications.get(draft.id);
  while (view.status === 'in_progress') {
    await new Promise((r) => setTimeout(r, 50));
    view = await app.communications.get(draft.id);
  }
  const seconds = (performance.now() - started) / 1000;
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  await app.close();
  return { status: view.status, messages: view.messages.total, sent: view.messages.sent, seconds, perSecond: Math.round(view.messages.total / seconds), received: server.received.size };
}

async function freshSqlite(): Promise<string> {
  const base = join(OUT, `dispatch-base-${ACCOUNTS}.db`);
  if (!existsSync(base)) await baseDatabase(base);
  const url = join(OUT, 'dispatch-run.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(url + suffix, { force: true });
  copyFileSync(base, url);
  return url;
}

async function freshPostgres(adminUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const base = `crier_bench_base_${ACCOUNTS}`;
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [base]);
  const url = (db: string) => Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
  if (exists.rowCount === 0) {
    await admin.query(`CREATE DATABASE ${base}`);
    await baseDatabase(url(base));
  }
  await admin.query('DROP DATABASE IF EXISTS crier_bench_run WITH (FORCE)');
  await admin.query(`CREATE DATABASE crier_bench_run TEMPLATE ${base}`);
  await admin.end();
  return url('crier_bench_run');
}

const server = await startLoopbackServer();
if (values['email-providers']) {
  await compareEmailProviders(values['email-providers'].split(','), Number(values.runs));
  await server.close();
  process.exit(0);
}
const results: Record<string, unknown>[] = [];
const report = (r: Record<string, unknown>) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

const httpFloor = await floorHttp(server.url);
console.log(`floor: loopback HTTP ${httpFloor.requestsPerSecond} requests/s (undici Pool, 64 connections)`);
if (values.only !== 'postgres') {
  const dbFloor = await floorUpdates(await freshSqlite(), EMAILS);
  console.log(`floor: SQLite ${dbFloor.rowsPerSecond} rows/s (batched primary-key updates)`);
  const email = await runOnce(await freshSqlite(), server, 'email', EMAILS, 1);
  report({ database: 'sqlite', channel: 'email', workers: 1, ...email, ofDbFloor: +(email.perSecond / dbFloor.rowsPerSecond).toFixed(3) });
  const sms = await runOnce(await freshSqlite(), server, 'sms', SMS, 1);
  report({ database: 'sqlite', channel: 'sms', workers: 1, ...sms, ofHttpFloor: +(sms.perSecond / httpFloor.requestsPerSecond).toFixed(3) });
}
if (values.postgres && values.only !== 'sqlite') {
  const dbFloor = await floorUpdates(await freshPostgres(values.postgres), EMAILS);
  console.log(`floor: PostgreSQL ${dbFloor.rowsPerSecond} rows/s (UPDATE … FROM unnest, batches of 1,000)`);
  for (const workers of values.workers!.split(',').map(Number)) {
    const email = await runOnce(await freshPostgres(values.postgres), server, 'email', EMAILS, workers);
    report({ database: 'postgres', channel: 'email', workers, ...email, ofDbFloor: +(email.perSecond / dbFloor.rowsPerSecond).toFixed(3) });
  }
  const sms = await runOnce(await freshPostgres(values.postgres), server, 'sms', SMS, 2);
  report({ database: 'postgres', channel: 'sms', workers: 2, ...sms, ofHttpFloor: +(sms.perSecond / httpFloor.requestsPerSecond).toFixed(3) });
}
await server.close();
recordResult('dispatch', { emails: EMAILS, sms: SMS, httpFloorRequestsPerSecond: httpFloor.requestsPerSecond, results, machine: machine() });

/** Email on SQLite through each provider in turn, alternating, `runs` times each; medians and each one's ratio to the loopback provider. */
async function compareEmailProviders(names: string[], runs: number): Promise<void> {
  const sendgrid = await startSendGridApi();
  const mailgun = await startMailgunApi();
  // The loopback APIs keep what they received for tests; a benchmark needs none of it.
  const forget = setInterval(() => {
    sendgrid.requests.length = 0;
    sendgrid.accepted.length = 0;
    mailgun.sends.length = 0;
  }, 200);
  const providers: Record<string, EmailProvider> = { loopback: { name: 'loopback' }, sendgrid: { name: 'sendgrid', api: sendgrid }, mailgun: { name: 'mailgun', api: mailgun } };
  const rates: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let run = 1; run <= runs; run++) {
    for (const name of names) {
      const result = await runOnce(await freshSqlite(), server, 'email', EMAILS, 1, providers[name]!);
      if (result.status !== 'completed' || result.sent !== EMAILS) throw new Error(`${name}: ${JSON.stringify(result)}`);
      rates[name]!.push(result.perSecond);
      console.log(JSON.stringify({ run, provider: name, ...result }));
    }
  }
  clearInterval(forget);
  await Promise.all([sendgrid.close(), mailgun.close()]);
  const medians = Object.fromEntries(names.map((n) => [n, median(rates[n]!)]));
  const ofLoopback = Object.fromEntries(names.map((n) => [n, +(medians[n]! / medians.loopback!).toFixed(3)]));
  console.log({ medians, ofLoopback });
  recordResult('dispatch-providers', { emails: EMAILS, runs, perSecond: rates, medians, ofLoopback, machine: machine() });
}
