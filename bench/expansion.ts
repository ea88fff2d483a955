// Benchmark: Send's expansion of 1,000,000 recipients into message rows (email and SMS content,
// language per account, send failures for the unreachable), chunk by chunk as the sender runs it,
// on a copy of the dispatch benchmark's SQLite database. Usage: tsx bench/expansion.ts [--recipients N]
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { CLI_ACTOR } from '../src/domain/actor.js';
import { chooseLanguage } from '../src/domain/audience.js';
import { demoAccountsCsv } from '../src/demo/demo-accounts.js';
import { expandChunk, startSending } from '../src/store/engine/launch.sql.js';
import { machine, recordResult } from './lib.js';

const { values } = parseArgs({ options: { recipients: { type: 'string', default: '1000000' } } });
const N = Number(values.recipients);
const base = join('bench', 'out', `expansion-base-${N}.db`);
const url = join('bench', 'out', 'expansion-run.db');
const open = (file: string) => createApp(loadConfig({ env: { DATABASE_URL: file, CRIER_LOG_LEVEL: 'warn' } }), { logger: pino({ level: 'warn' }) });

if (!existsSync(base)) {
  const app = await open(base);
  await app.accounts.import(demoAccountsCsv(N, 20_000, 5), { actor: CLI_ACTOR });
  await app.close();
}
for (const suffix of ['', '-wal', '-shm']) rmSync(url + suffix, { force: true });
copyFileSync(base, url);
const app = await open(url);
const content = {
  defaultLanguage: 'en',
  email: { en: { subject: 'Outage', html: '<p>Hello {{ account.first_name }}</p>', text: 'Hello' }, fr: { subject: 'Panne', html: '<p>Bonjour</p>', text: 'Bonjour' } },
  sms: { en: { body: 'Outage in your area' }, fr: { body: 'Panne dans votre secteur' } },
};
const draft = await app.communications.create({ name: 'expansion' }, CLI_ACTOR);
await app.communications.update(draft.id, { version: draft.version, content }, CLI_ACTOR);
await app.engine.run(`INSERT INTO recipients (communication_id, account_id, line) SELECT ?, id, id + 1 FROM accounts ORDER BY id LIMIT ?`, [draft.id, N]);
const version = (await app.communications.get(draft.id)).version;

const started = performance.now();
await startSending(app.engine, draft.id, version, CLI_ACTOR, Date.now());
const expansion = { defaultLanguage: 'en', email: ['en', 'fr'], sms: ['en', 'fr'] };
let chunks = 0;
for (;;) {
  const chunk = await expandChunk(app.engine, draft.id, expansion, chooseLanguage, app.config.sending.expansionChunk, Date.now());
  if (chunk.done) break;
  chunks++;
}
const seconds = (performance.now() - started) / 1000;
const view = await app.communications.get(draft.id);
await app.close();
const result = { recipients: N, messages: view.messages.total, sendFailures: view.messages.sendFailed, chunks, seconds: +seconds.toFixed(2), recipientsPerSecond: Math.round(N / seconds), machine: machine() };
console.log(JSON.stringify(result));
recordResult('expansion', { database: 'sqlite', ...result });
