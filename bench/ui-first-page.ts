// Benchmark: how long the web UI takes to show the first page of the list and of each tab of a
// communication with 1,000,000 messages, measured in the browser (Debian's Chromium): from the
// navigation's start to the first row (or, for the Overview, the message counts) on screen, as
// the page's own clock (performance.now()) reads it. In the same run, the same pages of a
// communication of 1,000 messages in the same database: the floor (the cost of the UI itself; the
// list reads counters, not messages, so it has none).
// Each page is opened once to warm up, then RUNS times, alternating the two; medians are quoted.
// Usage: tsx bench/ui-first-page.ts [--messages N] [--runs N]
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { CLI_ACTOR } from '../src/domain/actor.js';
import { launchBrowser } from '../test/e2e/browser.js';
import { machine, median, recordResult } from './lib.js';
import { loadFixture } from './outcomes-fixture.js';
import { OUT, startServe } from './serve-harness.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' } } });
const MESSAGES = Number(values.messages);
const RUNS = Number(values.runs);
const PERSON = { email: 'bench.viewer@example.com', password: 'correct horse battery staple', firstName: 'Bench', lastName: 'Viewer' };

/** A database with a Failed communication of MESSAGES messages and one of 1,000, made once. */
async function database(): Promise<{ path: string; big: number; small: number }> {
  const base = join(OUT, `ui-base-${MESSAGES}.db`);
  const ids = join(OUT, `ui-base-${MESSAGES}.json`);
  if (!existsSync(base) || !existsSync(ids)) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(base + suffix, { force: true });
    const app = await createApp(loadConfig({ env: { DATABASE_URL: base, CRIER_LOG_LEVEL: 'warn' } }), { logger: pino({ level: 'warn' }) });
    try {
      const mix = { emailShare: 0.8, sendFailedPerMille: 20, deliveredPerMille: 900, failedPerMille: 30 };
      const big = await loadFixture(app.engine, { messages: MESSAGES, ...mix });
      const small = await loadFixture(app.engine, { messages: 1000, ...mix, accountBase: big.accounts });
      await app.auth.users.create({ ...PERSON, role: 'viewer' }, CLI_ACTOR);
      writeFileSync(ids, JSON.stringify({ big: big.communicationId, small: small.communicationId }));
    } finally {
      await app.close();
    }
  }
  const path = join(OUT, 'ui-run.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  copyFileSync(base, path);
  return { path, ...(JSON.parse(readFileSync(ids, 'utf8')) as { big: number; small: number }) };
}

/** What shows that a page's first screen is there. */
const PAGES: Record<string, { path: (id: number) => string; ready: string }> = {
  list: { path: () => '/communications', ready: 'main table tbody tr' },
  overview: { path: (id) => `/communications/${id}`, ready: '[role="tabpanel"] :is(dl, table, [data-ready])' },
  deliveries: { path: (id) => `/communications/${id}?tab=deliveries`, ready: '[role="tabpanel"] table tbody tr' },
  failures: { path: (id) => `/communications/${id}?tab=failures`, ready: '[role="tabpanel"] table tbody tr' },
};

/** Milliseconds from the navigation's start to `ready` on screen, by the page's clock. */
async function firstPage(page: Page, url: string, ready: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction((selector) => {
    const found = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(selector);
    return found ? performance.now() : null;
  }, ready, { polling: 'raf', timeout: 30_000 });
  return Number(await handle.jsonValue());
}

const { path, big, small } = await database();
const server = await startServe(path, 'none', { CRIER_SENDER: 'false', CRIER_METRICS: 'false' });
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Email').fill(PERSON.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PERSON.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/communications/);
  const times: Record<string, { big: number[]; small: number[] }> = {};
  for (const [name, { path: pathOf, ready }] of Object.entries(PAGES)) {
    times[name] = { big: [], small: [] };
    // The list reads each communication's counters, not its messages: it has no 1,000-message twin.
    const urls = { big: server.url + pathOf(big), small: server.url + pathOf(small) };
    await firstPage(page, urls.big, ready);
    for (let run = 0; run < RUNS; run++) {
      times[name].big.push(await firstPage(page, urls.big, ready));
      if (name !== 'list') times[name].small.push(await firstPage(page, urls.small, ready));
    }
    console.log(`${name}: ${times[name].big.map(Math.round).join(' · ')} ms${name === 'list' ? '' : ` (1,000 messages: ${times[name].small.map(Math.round).join(' · ')})`}`);
  }
  const result = {
    machine: machine(),
    messages: MESSAGES,
    runs: RUNS,
    ...Object.fromEntries(
      Object.entries(times).map(([name, t]) => [
        name,
        { medianMs: Math.round(median(t.big)), ...(t.small.length ? { smallMedianMs: Math.round(median(t.small)), ofSmall: Number((median(t.big) / median(t.small)).toFixed(2)) } : {}) },
      ]),
    ),
  };
  console.log(result);
  recordResult('ui-first-page', result);
} finally {
  await browser.close();
  await server.stop();
}
