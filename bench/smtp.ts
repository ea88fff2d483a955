// Benchmark: email through the SMTP provider, Send → last state recorded, against a loopback SMTP
// sink (smtp-server in a child process, accepting and discarding, PIPELINING on). The engine is a
// real `crier worker` process (peak RSS measured by bench/peak-rss.mjs); the floor, in the same
// run, is a bare client: raw sockets speaking pipelined SMTP, messages pre-built, over as many
// connections to the same sink. Engine and floor runs alternate; medians and engine/floor are
// reported. Acceptance: ≥ 25 % of the floor at < 300 MB RSS.
// Usage: tsx bench/smtp.ts [--messages N] [--runs N] [--connections N]
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { CLI_ACTOR } from '../src/domain/actor.js';
import { demoAccountsCsv } from '../src/demo/demo-accounts.js';
import { machine, median, recordResult } from './lib.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '5' },
  },
});
const MESSAGES = Number(values.messages);
const RUNS = Number(values.runs);
const CONNECTIONS = Number(values.connections);
const ACCOUNTS = Math.ceil(MESSAGES * 1.15); // about 8 % of demo accounts cannot get email
const OUT = join('bench', 'out');
mkdirSync(OUT, { recursive: true });
const FROM = 'Équipe Réseau <noreply@isp.example>';
const CONTENT = {
  defaultLanguage: 'en',
  email: { en: { subject: 'Panne de service – {{ account.attributes.service_area }}', html: '<p>Hello {{ account.first_name }}, service is interrupted. Crews are on site.</p>', text: 'Hello {{ account.first_name }}, service is interrupted. Crews are on site.' } },
  sms: null,
};

interface Sink {
  port: number;
  count(): Promise<number>;
  close(): Promise<void>;
}

/** The discarding sink of test/harness/smtp-sink.ts, in a process of its own. */
async function startSink(): Promise<Sink> {
  const child = fork('test/harness/smtp-sink.ts', [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type: string) => new Promise<Record<string, number>>((resolve) => {
    const on = (m: { type: string } & Record<string, number>) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
  const { port } = await next('ready');
  return {
    port: port!,
    count: async () => {
      const answer = next('count');
      child.send({ type: 'count' });
      return (await answer).count!;
    },
    close: async () => {
      child.send({ type: 'close' });
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function freshDatabase(): Promise<string> {
  const base = join(OUT, `smtp-base-${ACCOUNTS}.db`);
  if (!existsSync(base)) {
    const app = await createApp(loadConfig({ env: { DATABASE_URL: base, CRIER_LOG_LEVEL: 'warn' } }), { logger: pino({ level: 'warn' }) });
    await app.accounts.import(demoAccountsCsv(ACCOUNTS, 20_000, 11), { actor: CLI_ACTOR });
    await app.close();
  }
  const url = join(OUT, 'smtp-run.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(url + suffix, { force: true });
  copyFileSync(base, url);
  return url;
}

async function engineRun(sink: Sink) {
  const url = await freshDatabase();
  const env = { DATABASE_URL: url, CRIER_LOG_LEVEL: 'warn', CRIER_EMAIL_FROM: FROM } as const;
  const app = await createApp(loadConfig({ env }), { logger: pino({ level: 'warn' }) });
  const draft = await app.communications.create({ name: `bench smtp ${MESSAGES}` }, CLI_ACTOR);
  await app.communications.update(draft.id, { version: draft.version, content: CONTENT }, CLI_ACTOR);
  await app.engine.run(
    `INSERT INTO recipients (communication_id, account_id, line) SELECT ?, id, id + 1 FROM accounts WHERE email IS NOT NULL AND email_consent = 1 ORDER BY id LIMIT ?`,
    [draft.id, MESSAGES],
  );
  await app.engine.run(`UPDATE communications SET recipients_count = ? WHERE id = ?`, [MESSAGES, draft.id]);
  const worker: ChildProcess = spawn(process.execPath, ['--import', './bench/peak-rss.mjs', 'bin/crier.js', 'worker'], {
    env: { ...process.env, ...env, CRIER_LOG_LEVEL: 'error', CRIER_EMAIL_PROVIDER: 'smtp', SMTP_URL: `smtp://127.0.0.1:${sink.port}`, SMTP_POOL_SIZE: String(CONNECTIONS) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  worker.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise((r) => setTimeout(r, 2500)); // the worker up before the clock starts
  const before = await sink.count();
  const started = performance.now();
  await app.sending.send(draft.id, CLI_ACTOR);
  let view = await app.communications.get(draft.id);
  while (view.status === 'in_progress') {
    await new Promise((r) => setTimeout(r, 50));
    view = await app.communications.get(draft.id);
  }
  const seconds = (performance.now() - started) / 1000;
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await app.close();
  const measured = stderr
    .split('\n')
    .filter((l) => l.startsWith('{"measured"'))
    .map((l) => (JSON.parse(l) as { measured: { peakRssMb: number; cpuSeconds: number } }).measured)[0];
  const received = (await sink.count()) - before;
  if (view.messages.sent !== MESSAGES || received !== MESSAGES) console.error(`engine: ${view.messages.sent} sent, ${received} received of ${MESSAGES}\n${stderr}`);
  return { status: view.status, sent: view.messages.sent, received, seconds: +seconds.toFixed(2), perSecond: Math.round(MESSAGES / seconds), peakRssMb: Math.round(measured?.peakRssMb ?? NaN), cpuSeconds: measured?.cpuSeconds };
}

/** One message as the engine writes it (headers, multipart/alternative, QP bodies), dot-stuffed and terminated. */
function rawMessage(n: number): Buffer {
  const boundary = `--_b${randomBytes(8).toString('hex')}`;
  const text = `Hello Person${n}, service is interrupted. Crews are on site.`;
  return Buffer.from(
    [
      'From: =?UTF-8?Q?=C3=89quipe_R=C3=A9seau?= <noreply@isp.example>',
      `To: person${n}@example.com`,
      'Subject: =?UTF-8?Q?Panne_de_service_=E2=80=93_North?=',
      `Message-ID: <crier.${n}.${randomBytes(6).toString('hex')}@isp.example>`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      `List-Unsubscribe: <http://127.0.0.1:3000/u/${randomBytes(24).toString('base64url')}>`,
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      `X-Crier-Message-Id: ${n}`,
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 7bit',
      '',
      text,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 7bit',
      '',
      `<p>${text}</p>`,
      `--${boundary}--`,
      '.',
      '',
    ].join('\r\n'),
  );
}

/**
 * The floor: raw sockets, messages pre-built, each connection pipelining as far as SMTP lets a
 * client (RFC 2920: DATA ends a group, the body waits for 354): the body of one message, then
 * MAIL, RCPT and DATA of the next, in one write; one round trip per message.
 */
async function floorSmtp(o: { port: number; messages: number; connections: number }) {
  const messages = Array.from({ length: o.messages }, (_, n) => ({ envelope: Buffer.from(`MAIL FROM:<noreply@isp.example>\r\nRCPT TO:<person${n}@example.com>\r\nDATA\r\n`), body: rawMessage(n) }));
  let next = 0;
  let accepted = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ port: o.port, host: '127.0.0.1', noDelay: true });
      let buffered = '';
      // The final replies still to come, in order.
      const expected: ('greeting' | 'ehlo' | 'mail' | 'rcpt' | 'data' | 'body' | 'quit')[] = ['greeting'];
      let current: (typeof messages)[number] | undefined;
      /** Writes `prefix` (the previous body) and the next envelope, or QUIT when none is left. */
      const advance = (prefix?: Buffer) => {
        if (prefix) expected.push('body');
        current = next < messages.length ? messages[next++] : undefined;
        if (current) expected.push('mail', 'rcpt', 'data');
        else expected.push('quit');
        socket.write(Buffer.concat([prefix ?? Buffer.alloc(0), current ? current.envelope : Buffer.from('QUIT\r\n')]));
      };
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        let end: number;
        while ((end = buffered.indexOf('\r\n')) >= 0) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (line[3] === '-') continue; // a continued (multi-line) reply
          const kind = expected.shift();
          if (line[0] === '4' || line[0] === '5') return reject(new Error(`floor: ${kind} answered ${line}`));
          if (kind === 'greeting') {
            expected.push('ehlo');
            socket.write('EHLO floor.bench\r\n');
          } else if (kind === 'ehlo') advance();
          else if (kind === 'data') advance(current!.body);
          else if (kind === 'body') accepted++;
          else if (kind === 'quit') socket.end();
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
  const started = performance.now();
  await Promise.all(Array.from({ length: o.connections }, one));
  const seconds = (performance.now() - started) / 1000;
  return { accepted, seconds: +seconds.toFixed(2), perSecond: Math.round(o.messages / seconds) };
}

const sink = await startSink();
const engine: Awaited<ReturnType<typeof engineRun>>[] = [];
const floor: Awaited<ReturnType<typeof floorSmtp>>[] = [];
for (let i = 0; i < RUNS; i++) {
  const f = await floorSmtp({ port: sink.port, messages: MESSAGES, connections: CONNECTIONS });
  floor.push(f);
  console.log(JSON.stringify({ run: i + 1, floor: f }));
  const e = await engineRun(sink);
  engine.push(e);
  console.log(JSON.stringify({ run: i + 1, engine: e }));
}
await sink.close();
const enginePerSecond = median(engine.map((e) => e.perSecond));
const floorPerSecond = median(floor.map((f) => f.perSecond));
const peakRssMb = Math.max(...engine.map((e) => e.peakRssMb));
const ofFloor = +(enginePerSecond / floorPerSecond).toFixed(3);
const summary = { messages: MESSAGES, connections: CONNECTIONS, runs: RUNS, enginePerSecond, floorPerSecond, ofFloor, peakRssMb, accepted: ofFloor >= 0.25 && peakRssMb < 300 };
console.log(JSON.stringify(summary));
recordResult('smtp', { ...summary, engine, floor, measured: 'crier worker, whole process (SQLite)', machine: machine() });
