// The communication view in Chromium against a real `crier serve`: the Overview with the content
// per type and language, Account delivery status and its filter, Send failures and the new
// communication for the accounts that received nothing, live progress while In Progress, what
// a viewer may not do, axe on every tab, and the screenshots of each.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draft, finished, importAccounts } from './data.js';
import { ADMIN, createUser, expectAccessible, firstAdmin, launchBrowser, screenshot, signIn, startCrier, type Api, type Crier, type Person } from './harness.js';
import { cohort, contentDraft, everyone, importPeople, sendAndSettle, type Cohort } from './view-data.js';

const VIEWER: Person = { email: 'grace@example.com', password: 'another long password', firstName: 'Grace', lastName: 'Hopper' };

describe('the communication view', () => {
  let crier: Crier;
  let admin: Api;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let people: Cohort;
  let failedId: number;
  let completedId: number;

  beforeAll(async () => {
    // 10 emails a second, claimed 20 at a time (8 s leases): small sends go in one claim, the
    // In Progress one takes half a minute.
    crier = await startCrier({ CRIER_SANDBOX_DELIVERY_DELAY_MS: '100', CRIER_EMAIL_RATE_LIMIT: '10', CRIER_LEASE_SECONDS: '8' });
    admin = await firstAdmin(crier);
    await createUser(admin, 'viewer', VIEWER);
    people = cohort(100);
    await importPeople(admin, everyone(people));
    failedId = await contentDraft(admin, 'Laval fibre cut', everyone(people));
    for (const s of people.suppressions) await admin.call('POST', '/api/suppressions', { ...s, reason: 'manual' });
    expect(await sendAndSettle(admin, failedId)).toBe('failed');
    completedId = await contentDraft(admin, 'Maintenance notice', people.reached);
    expect(await sendAndSettle(admin, completedId)).toBe('completed');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await crier?.stop();
  });

  async function open(id: number, who: Person = ADMIN, tab = ''): Promise<Page> {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    await signIn(page, crier, who);
    await page.goto(`${crier.url}/communications/${id}${tab ? `?tab=${tab}` : ''}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    return page;
  }

  /**
   * Chromium paints a sandboxed frame apart from the page, and not while it is off screen: a
   * full-page screenshot would show the email blank below the fold. So the window is made as
   * tall as the page for the picture.
   */
  async function shoot(page: Page, name: string): Promise<void> {
    const viewport = page.viewportSize()!;
    if ((await page.locator('iframe').count()) > 0) {
      const height = await page.locator('html').evaluate((html) => html.scrollHeight);
      await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
      await page.waitForTimeout(300);
    }
    await screenshot(page, name);
    await page.setViewportSize(viewport);
  }

  const rowsOf = (page: Page, table: string) => page.getByRole('table', { name: table }).locator('tbody tr');
  /** Every button or link that would change the communication. */
  const changes = (page: Page) =>
    page.getByRole('button', { name: /^(Send|Cancel|Edit|Delete)\b/ }).or(page.getByRole('link', { name: /^(Send|Cancel|Edit|Delete)\b/ }));

  it('Overview: who sent it and when, the counts, and the content per type and language in a sandboxed frame', async () => {
    const page = await open(failedId);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Laval fibre cut');
    const details = page.getByRole('region', { name: 'Details', exact: true });
    await expect.poll(() => details.innerText()).toContain('Ada Lovelace');
    const facts = (await details.innerText()).replace(/\s+/g, ' ');
    expect(facts).toContain('Recipients 7');
    // 3 × (email + SMS), the bounced email, the SMS to 0000, one failure each for the other two.
    expect(facts).toContain('Messages sent 8 / 10 (80 %)');
    expect(facts).toContain('Delivered 6');
    expect(facts).toContain('Delivery errors 2');
    expect(facts).toContain('Send failures 2');

    const frame = page.frameLocator('iframe[title^="Email in"]');
    await expect.poll(() => frame.locator('h1').textContent()).toBe('Hello Julie,');
    expect(await page.getByTestId('email-subject').textContent()).toBe('Service interruption in Laval');
    const iframe = page.locator('iframe[title^="Email in"]');
    expect(await iframe.getAttribute('sandbox')).toBe('');
    expect(await iframe.getAttribute('srcdoc')).toContain('Crews are repairing a fibre cut.');
    await expectAccessible(page, 'the Overview tab');
    await shoot(page, 'communication-overview');

    await page.getByRole('combobox', { name: 'Language' }).click();
    await page.getByRole('option', { name: /French/ }).click();
    await expect.poll(() => frame.locator('h1').textContent()).toBe('Bonjour Julie,');
    expect(await page.getByTestId('email-subject').textContent()).toBe('Interruption de service à Laval');

    await page.getByText('SMS', { exact: true }).click();
    await expect.poll(() => page.getByTestId('sms-body').textContent()).toBe('Crier : fibre coupée à Laval, équipes sur place. Désolés Julie !');
    await page.getByRole('combobox', { name: 'Language' }).click();
    await page.getByRole('option', { name: /English/ }).click();
    await expect.poll(() => page.getByTestId('sms-body').textContent()).toBe('Crier: fibre cut in Laval, crews on site. Sorry Julie!');
    expect(await page.locator('iframe').count()).toBe(0);
    await page.close();
  });

  it('Account delivery status: every sent message, the filter by type and status, the error on hover, the CSV', async () => {
    const page = await open(failedId);
    await page.getByRole('tab', { name: 'Account delivery status' }).click();
    const rows = rowsOf(page, 'Account delivery status');
    await expect.poll(() => rows.count()).toBe(8);
    await expectAccessible(page, 'the Account delivery status tab');
    await screenshot(page, 'communication-deliveries');

    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Failed' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.allTextContents()).toEqual([
      expect.stringContaining(people.bounced.uuid),
      expect.stringContaining(people.unreachableSms.uuid),
    ]);
    await rows.first().getByText('Failed').hover();
    await expect.poll(() => page.getByRole('tooltip').textContent()).toContain('550 5.1.1');
    await page.mouse.move(0, 0);
    // By keyboard too: the badge takes focus and shows the provider's error.
    await rows.first().locator('[tabindex="0"]').focus();
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toContain('Failed');
    await expect.poll(() => page.getByRole('tooltip').textContent()).toContain('Twilio error 30003');

    await page.getByRole('combobox', { name: 'Type' }).click();
    await page.getByRole('option', { name: 'SMS' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(people.unreachableSms.uuid);
    expect(page.url()).toMatch(/type=sms/);

    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toBe(`/api/communications/${failedId}/messages.csv?type=sms&status=failed`);
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href!);
    const lines = csv.replace(/^\uFEFF/, '').trimEnd().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(people.unreachableSms.uuid);

    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'No report' }).click();
    await expect.poll(() => page.getByText('No sent message matches this filter').isVisible()).toBe(true);
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'All statuses' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    expect(page.url()).not.toMatch(/status=/);
    await page.close();
  });

  it('Send failures: the accounts that received nothing, with their CSV line; a new communication for them opens as a draft', async () => {
    const page = await open(failedId);
    await page.getByRole('tab', { name: /Send failures/ }).click();
    const rows = rowsOf(page, 'Send failures');
    await expect.poll(() => rows.count()).toBe(2);
    const texts = await rows.allTextContents();
    // Lines of the recipients CSV: the header is line 1, so the sixth account is on line 7.
    expect(texts).toEqual([
      expect.stringMatching(new RegExp(`${people.emailOnly.uuid}.*7.*email address suppressed; no phone number.*Received nothing`)),
      expect.stringMatching(new RegExp(`${people.both.uuid}.*8.*email address suppressed; phone number suppressed.*Received nothing`)),
    ]);
    const download = await page.getByRole('link', { name: 'Download accounts (CSV)' }).getAttribute('href');
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), download!);
    expect(csv.replace(/^\uFEFF/, '').trimEnd().split(/\r?\n/)).toEqual(['account_uuid', people.emailOnly.uuid, people.both.uuid]);
    await expectAccessible(page, 'the Send failures tab');
    await screenshot(page, 'communication-send-failures');

    await page.getByRole('button', { name: 'New communication for these accounts' }).click();
    await page.waitForURL((url) => /\/communications\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${failedId}`));
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Laval fibre cut (resend)');
    expect(await page.getByText('Draft', { exact: true }).first().isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('region', { name: 'Details', exact: true }).textContent()).toMatch(/Recipients2/);
    expect(await page.getByRole('link', { name: 'Edit' }).isVisible()).toBe(true);
    await page.close();
  });

  it('never shows Send failures for a Completed communication', async () => {
    const page = await open(completedId, ADMIN, 'failures');
    await page.getByRole('tab', { name: 'Overview' }).waitFor();
    expect(await page.getByRole('tab').allTextContents()).toEqual(['Overview', 'Account delivery status']);
    expect(await page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
    await page.close();
  });

  it("an unknown communication says so with the API's message, never a blank page", async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await signIn(page, crier, ADMIN);
    await page.goto(`${crier.url}/communications/999999`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('No communication with id 999999');
    expect(await page.getByRole('link', { name: /All communications/ }).isVisible()).toBe(true);
    await page.close();
  });

  it('while In Progress: sent / total, rate, time left and the outcome chart, live; a viewer can do nothing; a sender cancels', async () => {
    const uuids = await importAccounts(admin, 300, 1000);
    const id = await draft(admin, 'Rate change notice', uuids);
    await admin.call('POST', `/api/communications/${id}/send`);

    const viewer = await open(id, VIEWER);
    await expect.poll(() => viewer.getByTestId('progress-sent').textContent()).toMatch(/\/ 300/);
    for (const tab of ['Overview', 'Account delivery status']) {
      await viewer.getByRole('tab', { name: tab }).click();
      await viewer.getByRole('tabpanel').waitFor();
      expect(await changes(viewer).count(), tab).toBe(0);
    }
    await viewer.close();

    const page = await open(id);
    const sent = page.getByTestId('progress-sent');
    const first = await sent.textContent();
    await expect.poll(() => sent.textContent(), { timeout: 10_000 }).not.toBe(first);
    await expect.poll(() => page.getByText(/messages\/s/).textContent(), { timeout: 15_000 }).not.toMatch(/^0 messages/);
    await expect.poll(() => page.getByText(/left$/).isVisible(), { timeout: 15_000 }).toBe(true);
    const chart = page.getByTestId('outcome-chart');
    await expect.poll(() => chart.locator('polyline').count()).toBe(3);
    // At least two samples and now: the chart has drawn a history, not a point.
    await expect.poll(() => chart.locator('polyline[data-series="delivered"]').getAttribute('points'), { timeout: 15_000 }).toMatch(/^\S+ \S+ \S+/);
    expect(await page.getByRole('progressbar', { name: 'Messages sent' }).isVisible()).toBe(true);
    await expect.poll(() => page.frameLocator('iframe[title^="Email in"]').locator('p').first().textContent()).toBe('Hello Julie,');
    await expectAccessible(page, 'the Overview of a communication In Progress');
    await shoot(page, 'communication-in-progress');

    // Enough sent for two pages of Account delivery status (50 a page) before it is cancelled.
    await expect.poll(async () => (await admin.call<{ messagesSent: number }>('GET', `/api/communications/${id}`)).messagesSent, { timeout: 20_000 }).toBeGreaterThan(60);
    await page.getByRole('button', { name: 'Cancel' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('cannot be undone');
    await dialog.getByRole('button', { name: 'Cancel the communication' }).click();
    await expect.poll(() => page.getByText('Cancelled', { exact: true }).isVisible()).toBe(true);
    expect(await finished(admin, id)).toBe('cancelled');

    // Keyset pages: Next follows the API's cursor, Previous returns to the very same page.
    await page.getByRole('tab', { name: 'Account delivery status' }).click();
    const rows = rowsOf(page, 'Account delivery status');
    await expect.poll(() => rows.count()).toBe(50);
    const firstOfPage1 = await rows.first().textContent();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText('Page 2').isVisible()).toBe(true);
    await expect.poll(() => rows.first().textContent()).not.toBe(firstOfPage1);
    expect(await rows.first().textContent()).toContain(uuids[50]);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => rows.first().textContent()).toBe(firstOfPage1);
    await page.close();
  });

  it('a viewer sees the send failures without the new-communication action', async () => {
    const page = await open(failedId, VIEWER, 'failures');
    await expect.poll(() => rowsOf(page, 'Send failures').count()).toBe(2);
    expect(await changes(page).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New communication for these accounts' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Download accounts (CSV)' }).isVisible()).toBe(true);
    await page.close();
  });

  it('reads at 390 px wide: nothing wider than the screen but the tables, which scroll', async () => {
    const page = await open(failedId);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('region', { name: 'Details', exact: true }).waitFor();
    await expect.poll(() => page.frameLocator('iframe[title^="Email in"]').locator('h1').textContent()).toBe('Hello Julie,');
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(390);
    await shoot(page, 'communication-overview-390');
    await page.getByRole('tab', { name: 'Account delivery status' }).click();
    await expect.poll(() => rowsOf(page, 'Account delivery status').count()).toBe(8);
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  });
});
