// Benchmark: delivery webhooks through the real routes of a real `crier serve` on SQLite.
// 1,000,000 signed SendGrid events (posts of 1,000, "delivered") and 200,000 signed Twilio status
// callbacks (one a post), each naming a sent message. The floor, in the same run on a copy of the
// same database: the same state changes as plain batched UPDATEs (1,000 rows a transaction).
// Each run has its own fresh copies (flushed to a synced disk), and engine and floor take turns a
// segment at a time within it (a fifth of each kind of post); medians over the runs are quoted.
// The events carry Crier's custom argument (its message's id) as SendGrid echoes it.
// Usage: tsx bench/webhooks.ts [--events N] [--callbacks N] [--runs N] [--concurrency N] [--segments N]
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import SqliteDatabase from 'better-sqlite3';
import { engineExec } from '../src/store/engine/sql-exec.js';
import { openMigratedStore } from '../src/store/store.js';
import { machine, median, recordResult } from './lib.js';
import { loadFixture } from './outcomes-fixture.js';
import { OUT, startServe } from './serve-harness.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    callbacks: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    segments: { type: 'string', default: '5' },
  },
});
const EVENTS = Number(values.events);
const CALLBACKS = Number(values.callbacks);
const RUNS = Number(values.runs);
const CONCURRENCY = Number(values.concurrency);
const SEGMENTS = Number(values.segments);
const BATCH = 1_000;
const X_MESSAGE_ID = 'BenchXMsgId000';
const TWILIO_TOKEN = 'bench-twilio-auth-token';
const quiet = pino({ level: 'warn' });

interface Ids {
  email: number[];
  sms: number[];
}

/** A database with EVENTS email and CALLBACKS SMS messages sent and awaiting a report; made once, copied per run. */
async function baseDatabase(): Promise<{ path: string; ids: Ids }> {
  const path = join(OUT, `webhooks-base-${EVENTS}-${CALLBACKS}.db`);
  const make = !existsSync(path);
  if (make) {
    const app = await createApp(loadConfig({ env: { DATABASE_URL: path, CRIER_LOG_LEVEL: 'warn' } }), { logger: quiet });
    try {
      const total = EVENTS + CALLBACKS;
      const { communicationId } = await loadFixture(app.engine, {
        messages: total,
        emailShare: EVENTS / total,
        sendFailedPerMille: 0,
        deliveredPerMille: 0,
        failedPerMille: 0,
      });
      // As SendGrid and Twilio would have been recorded: `<X-Message-Id>#<id>` and a message SID.
      await app.engine.run(
        `UPDATE messages SET provider = CASE channel WHEN 'email' THEN 'sendgrid' ELSE 'twilio' END,
           provider_message_id = CASE channel WHEN 'email' THEN '${X_MESSAGE_ID}#' || id ELSE 'SM' || id END WHERE communication_id = ?`,
        [communicationId],
      );
    } finally {
      await app.close();
    }
  }
  const store = await openMigratedStore(path, quiet, false);
  try {
    const exec = engineExec(store);
    const rows = await exec.all<{ id: number; channel: string }>(`SELECT id, channel FROM messages ORDER BY id`);
    const email = rows.filter((r) => r.channel === 'email').map((r) => Number(r.id));
    const sms = rows.filter((r) => r.channel === 'sms').map((r) => Number(r.id));
    return { path, ids: { email, sms } };
  } finally {
    await store.close();
  }
}

const removeDatabase = (path: string) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
};

function copyOf(base: string, name: string): string {
  const path = join(OUT, `webhooks-${name}.db`);
  removeDatabase(path);
  copyFileSync(base, path);
  // On disk before the clock starts: else the first checkpoint's fsync writes the whole copy back,
  // in whichever run that lands, and the two sides' figures swing by that.
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // Nothing of the run before still waiting to be written back (its files are gone, the rest
  // flushed): each side starts from the same quiet disk.
  execFileSync('sync');
  return path;
}

/** SendGrid's Event Webhook posts, signed as SendGrid signs them (ECDSA P-256 over timestamp + body). */
function sendgridPosts(ids: number[], privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']) {
  const posts: { body: string; headers: Record<string, string> }[] = [];
  const timestamp = String(Math.floor(Date.now() / 1000));
  for (let i = 0; i < ids.length; i += BATCH) {
    const events = ids.slice(i, i + BATCH).map((id) => ({
      email: `u${id}@example.com`,
      timestamp: Number(timestamp),
      event: 'delivered',
      sg_event_id: `ev-${id}`,
      sg_message_id: `${X_MESSAGE_ID}.filter0001.${id}.0`,
      response: '250 2.0.0 OK',
      // Crier's custom argument, as SendGrid echoes it in every event.
      crier_message_id: String(id),
    }));
    const body = JSON.stringify(events);
    const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
    posts.push({
      body,
      headers: { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp },
    });
  }
  return posts;
}

/** Twilio status callbacks, signed as Twilio signs them (HMAC-SHA1 over URL + sorted parameters). */
function twilioPosts(ids: number[], url: string) {
  return ids.map((id) => {
    const params: Record<string, string> = { AccountSid: 'AC0123456789abcdef0123456789abcdef', MessageSid: `SM${id}`, MessageStatus: 'delivered', To: '+15145550000', From: '+15145551111' };
    const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
    const signature = createHmac('sha1', TWILIO_TOKEN).update(data).digest('base64');
    return { body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } };
  });
}

/** CPU seconds a process has used, all its threads (utime + stime from /proc, in clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** One side's figures for posts of one kind (summed over a run's segments). */
interface Timed {
  seconds: number;
  /** CPU seconds the server (both its threads) and the benchmark's client used meanwhile (none for the floor). */
  serverCpu: number;
  clientCpu: number;
}

type Post = { body: string; headers: Record<string, string> };

async function postAll(server: Awaited<ReturnType<typeof startServe>>, path: string, posts: Post[]): Promise<Timed> {
  let next = 0;
  let refused = 0;
  const serverCpu = cpuSecondsOf(server.child.pid!);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < posts.length) {
        const post = posts[next++]!;
        const response = await server.pool.request({ method: 'POST', path, headers: post.headers, body: post.body });
        await response.body.text();
        if (response.statusCode !== 200) refused++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (refused > 0) throw new Error(`${refused} posts to ${path} were refused`);
  const client = process.cpuUsage(clientCpu);
  return { seconds, serverCpu: cpuSecondsOf(server.child.pid!) - serverCpu, clientCpu: (client.user + client.system) / 1e6 };
}

const PUBLIC_URL = 'https://crier.bench.example';

const add = (a: Timed, b: Timed): Timed => ({ seconds: a.seconds + b.seconds, serverCpu: a.serverCpu + b.serverCpu, clientCpu: a.clientCpu + b.clientCpu });
const NONE: Timed = { seconds: 0, serverCpu: 0, clientCpu: 0 };

/** The floor: the same state changes, plainly: primary-key UPDATEs, 1,000 a transaction. */
function floorUpdates(db: SqliteDatabase.Database) {
  const update = db.prepare(`UPDATE messages SET delivery_state = 'delivered', delivery_updated_at = ? WHERE id = ?`);
  return (list: readonly number[]): Timed => {
    const started = performance.now();
    for (let i = 0; i < list.length; i += BATCH) {
      const now = Date.now();
      db.transaction(() => {
        for (const id of list.slice(i, i + BATCH)) update.run(now, id);
      })();
    }
    return { ...NONE, seconds: (performance.now() - started) / 1000 };
  };
}

/**
 * One run: a real server on one fresh copy, the floor on another, in turn a segment at a time
 * (SEGMENTS of each kind of post): this machine's speed swings within a minute, and a floor timed
 * a minute and a half after the engine met another machine (two floors a few minutes apart were
 * 227,188 and 309,376 rows a second on 2026-12-02).
 */
async function pairedRun(base: string, ids: Ids, run: number) {
  const path = copyOf(base, `engine-${run}`);
  const floorPath = copyOf(base, `floor-${run}`);
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  // Prepared before the clock starts: the providers' side of the work is not ours to time.
  const sg = sendgridPosts(ids.email, privateKey);
  // Twilio signs the URL it calls, which is CRIER_PUBLIC_URL's, whatever address the server listens on.
  const tw = twilioPosts(ids.sms, `${PUBLIC_URL}/webhooks/twilio/status`);
  const server = await startServe(path, 'none', {
    CRIER_SENDER: 'false',
    CRIER_METRICS: 'false',
    CRIER_PUBLIC_URL: PUBLIC_URL,
    CRIER_EMAIL_PROVIDER: 'sendgrid',
    SENDGRID_API_KEY: 'SG.bench',
    SENDGRID_WEBHOOK_PUBLIC_KEY: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    CRIER_SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    TWILIO_FROM: '+15145551111',
  });
  const floorDb = new SqliteDatabase(floorPath);
  floorDb.pragma('journal_mode = WAL');
  floorDb.pragma('synchronous = NORMAL');
  const floor = floorUpdates(floorDb);
  const segments = async (posts: Post[], perPost: number, route: string, list: readonly number[]) => {
    let engine = NONE;
    let floorSide = NONE;
    const size = Math.ceil(posts.length / SEGMENTS);
    for (let at = 0; at < posts.length; at += size) {
      engine = add(engine, await postAll(server, route, posts.slice(at, at + size)));
      floorSide = add(floorSide, floor(list.slice(at * perPost, (at + size) * perPost)));
    }
    return { engine, floor: floorSide };
  };
  try {
    const sendgrid = await segments(sg, BATCH, '/webhooks/sendgrid', ids.email);
    const twilio = await segments(tw, 1, '/webhooks/twilio/status', ids.sms);
    return { sendgrid, twilio, delivered: await deliveredCount(path) };
  } finally {
    floorDb.close();
    await server.stop();
    removeDatabase(path);
    removeDatabase(floorPath);
  }
}

async function deliveredCount(path: string): Promise<number> {
  const db = new SqliteDatabase(path, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM messages WHERE delivery_state = 'delivered'`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const perPost = (cpuSeconds: number) => Number(((cpuSeconds * 1000) / (EVENTS / BATCH)).toFixed(2));
const { path: base, ids } = await baseDatabase();
const runs: Awaited<ReturnType<typeof pairedRun>>[] = [];
for (let run = 1; run <= RUNS; run++) {
  const r = await pairedRun(base, ids, run);
  if (r.delivered !== EVENTS + CALLBACKS) throw new Error(`run ${run}: ${r.delivered} messages delivered, not ${EVENTS + CALLBACKS}`);
  runs.push(r);
  console.log(
    `run ${run}: SendGrid ${Math.round(EVENTS / r.sendgrid.engine.seconds)} events/s (floor ${Math.round(EVENTS / r.sendgrid.floor.seconds)}, ` +
      `${(r.sendgrid.floor.seconds / r.sendgrid.engine.seconds).toFixed(3)} of it), ` +
      `Twilio ${Math.round(CALLBACKS / r.twilio.engine.seconds)} callbacks/s (floor ${Math.round(CALLBACKS / r.twilio.floor.seconds)}); ` +
      `CPU a post of ${BATCH}: server ${perPost(r.sendgrid.engine.serverCpu)} ms, client ${perPost(r.sendgrid.engine.clientCpu)} ms`,
  );
}
const rate = (n: number, seconds: number[]) => Math.round(n / median(seconds));
const result = {
  machine: machine(),
  events: EVENTS,
  callbacks: CALLBACKS,
  runs: RUNS,
  segments: SEGMENTS,
  concurrency: CONCURRENCY,
  sendgridEventsPerSecond: rate(EVENTS, runs.map((r) => r.sendgrid.engine.seconds)),
  sendgridFloorPerSecond: rate(EVENTS, runs.map((r) => r.sendgrid.floor.seconds)),
  twilioCallbacksPerSecond: rate(CALLBACKS, runs.map((r) => r.twilio.engine.seconds)),
  twilioFloorPerSecond: rate(CALLBACKS, runs.map((r) => r.twilio.floor.seconds)),
  /** Milliseconds of CPU a SendGrid post of 1,000 events cost, medians: the server (both threads) and the benchmark's client. */
  sendgridServerCpuMsPerPost: median(runs.map((r) => perPost(r.sendgrid.engine.serverCpu))),
  sendgridClientCpuMsPerPost: median(runs.map((r) => perPost(r.sendgrid.engine.clientCpu))),
};
const ratios = {
  sendgridOfFloor: Number((result.sendgridEventsPerSecond / result.sendgridFloorPerSecond).toFixed(3)),
  /** Each run's own share (its floor timed in the same segments), and their median. */
  sendgridOfFloorByRun: runs.map((r) => Number((r.sendgrid.floor.seconds / r.sendgrid.engine.seconds).toFixed(3))),
  sendgridOfFloorMedianOfRuns: Number(median(runs.map((r) => r.sendgrid.floor.seconds / r.sendgrid.engine.seconds)).toFixed(3)),
  twilioOfFloor: Number((result.twilioCallbacksPerSecond / result.twilioFloorPerSecond).toFixed(3)),
};
console.log({ ...result, ...ratios });
recordResult('webhooks', { ...result, ...ratios });
