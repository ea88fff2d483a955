// The end-to-end harness: a real `crier serve` (bin/crier.js, as `npm start` runs it) on a fresh
// SQLite file with the sandbox provider, data made through its HTTP API, and Debian's Chromium
// driven by playwright-core. Nothing here is faked: a test that passes did it as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export { CHROMIUM } from './browser.js';
export const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');

export interface Crier {
  /** Where it answers, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The one-time first-admin link it printed (a fresh database has no user). */
  setupLink: string;
  stop(): Promise<void>;
}

/**
 * Starts `crier serve --port 0` on a new database in a temp folder and waits until it answers.
 * `env` adds settings: a low CRIER_EMAIL_RATE_LIMIT keeps a communication In Progress for long
 * enough to see and cancel it.
 */
export async function startCrier(env: Record<string, string> = {}): Promise<Crier> {
  const dir = mkdtempSync(join(tmpdir(), 'crier-e2e-'));
  const child = spawn(process.execPath, ['bin/crier.js', 'serve', '--port', '0'], {
    env: {
      ...process.env,
      DATABASE_URL: join(dir, 'crier.db'),
      CRIER_LOG_FORMAT: 'json',
      CRIER_LOG_LEVEL: 'info',
      // Tests sign in far more often than people: the per-address limit would refuse them.
      CRIER_LOGIN_RATE_LIMIT: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => stopChild(child).finally(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const { url, setupLink } = await serving(child);
    return { url, setupLink, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads the JSON log lines until the server says where it serves and gives the setup link. */
function serving(child: ChildProcess): Promise<{ url: string; setupLink: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    let url: string | undefined;
    const timer = setTimeout(() => reject(new Error(`crier serve did not start within 90 s:\n${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as { msg?: string; address?: string };
        if (record.msg === 'Crier is serving') url = record.address;
        const link = /at (http\S+\/setup\?token=\S+)/.exec(record.msg ?? '')?.[1];
        if (url && link) {
          clearTimeout(timer);
          child.stdout?.off('data', read);
          resolve({ url, setupLink: link });
        }
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`crier serve exited (${code}) before serving:\n${output}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** An API caller with a bearer token: how tests make data, as a script would. */
export class Api {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = contentType;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = contentType === 'application/json' ? JSON.stringify(body) : String(body);
    const response = await fetch(`${this.url}${path}`, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export interface Person {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
}

/** Signs in with a password (a session cookie, as the browser does) and answers a new API token. */
async function tokenFor(url: string, person: Person): Promise<string> {
  const signIn = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: person.email, password: person.password }),
  });
  if (!signIn.ok) throw new Error(`sign-in of ${person.email} answered ${signIn.status}: ${await signIn.text()}`);
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const created = await fetch(`${url}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'e2e' }),
  });
  if (!created.ok) throw new Error(`token of ${person.email} answered ${created.status}: ${await created.text()}`);
  return ((await created.json()) as { token: string }).token;
}

export const ADMIN: Person = { email: 'ada@example.com', password: 'correct horse battery', firstName: 'Ada', lastName: 'Lovelace' };

/** Creates the first admin through the setup link's API, and answers an API client acting as them. */
export async function firstAdmin(crier: Crier, person: Person = ADMIN): Promise<Api> {
  const token = new URL(crier.setupLink).searchParams.get('token');
  const response = await fetch(`${crier.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, ...person }),
  });
  if (response.status !== 201) throw new Error(`setup answered ${response.status}: ${await response.text()}`);
  return new Api(crier.url, await tokenFor(crier.url, person));
}

/** A new user of that role (by an admin), and an API client acting as them. */
export async function createUser(admin: Api, role: 'viewer' | 'sender' | 'admin', person: Person): Promise<Api> {
  await admin.call('POST', '/api/users', { ...person, role });
  return new Api(admin.url, await tokenFor(admin.url, person));
}

export { launchBrowser } from './browser.js';

/** Signs in through the sign-in page, as a person would, and waits for the list. */
export async function signIn(page: Page, crier: Crier, person: Person): Promise<void> {
  await page.goto(`${crier.url}/sign-in`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/communications/).catch(async (err: Error) => {
    const alert = await page.getByRole('alert').allInnerTexts();
    throw new Error(`signing in as ${person.email} did not reach the list: ${alert.join(' ') || err.message}`);
  });
}

/**
 * axe-core on the page as it is: no serious or critical violation. Sandboxed frames (an email
 * shown as sent) are left out: their content is the author's, and axe waits forever on a frame
 * where scripts may not run.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).exclude('iframe[sandbox]').analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `axe on ${what}`).toEqual([]);
}

/** Saves a screenshot of the page as docs/screenshots/NAME.png (shown in the README). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
