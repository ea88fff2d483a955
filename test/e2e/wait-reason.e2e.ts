// The view says why sending waits while the circuit breaker holds a provider, and goes on once the
// provider answers again: a real `crier serve` sending through the loopback provider (loaded by
// CRIER_PROVIDER_MODULES, as an operator's own module would be) to this test's server, which
// answers 401 — as a provider does to a revoked key — until it is told to accept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../harness/loopback.js';
import { importAccounts, send, statusOf, until } from './data.js';
import { ADMIN, expectAccessible, firstAdmin, launchBrowser, screenshot, signIn, startCrier, type Api, type Crier } from './harness.js';

describe('the communication view while a provider is held', () => {
  let loopback: LoopbackServer;
  let crier: Crier;
  let admin: Api;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    loopback = await startLoopbackServer();
    loopback.answer = () => ({ status: 401 });
    crier = await startCrier({
      CRIER_EMAIL_PROVIDER: 'loopback',
      CRIER_SMS_PROVIDER: 'loopback',
      CRIER_PROVIDER_MODULES: 'test/harness/loopback-provider-module.ts',
      CRIER_LOOPBACK_URL: loopback.url,
      // Held after one second of refusals, tried again every second.
      CRIER_CIRCUIT_OPEN_AFTER_SECONDS: '1',
      CRIER_CIRCUIT_PROBE_SECONDS: '1',
    });
    admin = await firstAdmin(crier);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await crier?.stop();
    await loopback?.close();
  });

  it('says why sending waits, then finishes once the provider answers again', async () => {
    const id = await send(admin, 'Held by its provider', await importAccounts(admin, 5));
    const page = await browser.context.newPage();
    await signIn(page, crier, ADMIN);
    await page.goto(`${crier.url}/communications/${id}`);
    const waiting = page.getByRole('status').filter({ hasText: 'Sending is waiting' });
    await waiting.waitFor({ timeout: 30_000 });
    // The breaker's own words: which provider, and what it answered.
    expect(await waiting.innerText()).toMatch(/loopback/);
    expect(await waiting.innerText()).toMatch(/401/);
    expect(await statusOf(admin, id)).toBe('in_progress');
    await screenshot(page, 'communication-waiting');
    await expectAccessible(page, 'the view while a provider is held');

    loopback.answer = () => ({ status: 202 });
    await until('the communication completes', async () => (await statusOf(admin, id)) === 'completed', 60_000);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).locator('..').innerText(), { timeout: 15_000 }).toMatch(/Completed/);
    expect(await page.getByText('Sending is waiting').count()).toBe(0);
    await page.close();
  }, 120_000);
});
