// The main list in Chromium against a real server: a communication in each status, made through
// the API and sent by the sandbox (slowed to 4 emails a second so that some stay In Progress),
// its six columns, each status's row menu, Cancel and Delete with their confirmations, live
// progress, search, the status filter, pagination, and what a viewer may do.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draft, failedSend, finished, importAccounts, importBouncing, send, statusOf, until } from './data.js';
import { ADMIN, createUser, expectAccessible, firstAdmin, launchBrowser, screenshot, signIn, startCrier, type Api, type Crier, type Person } from './harness.js';

/** The row menu open and done fading in (a screenshot taken sooner shows it half transparent). */
const menuShown = (page: Page) =>
  expect
    .poll(() => page.getByRole('menu').evaluate((menu) => (globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }).getComputedStyle(menu).opacity))
    .toBe('1');

const SENDER: Person = { email: 'sam@example.com', password: 'sender password 1', firstName: 'Sam', lastName: 'Sender' };
const VIEWER: Person = { email: 'vic@example.com', password: 'viewer password 1', firstName: 'Vic', lastName: 'Viewer' };

const NAMES = {
  draft: 'Laval maintenance (draft)',
  completed: 'Outage Laval: service restored',
  failed: 'Outage Montréal: crews on site',
  cancelled: 'Planned work, cancelled',
  inProgress: 'Outage Québec: fibre cut',
  toCancel: 'Storm notice to cancel',
  toDelete: 'Draft to delete',
};

describe('the communications list', () => {
  let crier: Crier;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let admin: Api;
  let sender: Api;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    // 4 emails a second, claimed 8 at a time (a claim holds a lease's worth of the rate / 4):
    // progress moves every 2 s, and a send of hundreds stays In Progress for minutes.
    crier = await startCrier({ CRIER_EMAIL_RATE_LIMIT: '4', CRIER_LEASE_SECONDS: '8', CRIER_SANDBOX_DELIVERY_DELAY_MS: '300' });
    admin = await firstAdmin(crier);
    sender = await createUser(admin, 'sender', SENDER);
    await createUser(admin, 'viewer', VIEWER);
    const uuids = await importAccounts(sender, 600);
    const bouncing = await importBouncing(sender, 1000);

    ids.completed = await send(sender, NAMES.completed, [uuids[0]!, uuids[1]!, bouncing]);
    expect(await finished(sender, ids.completed)).toBe('completed');
    ids.failed = await failedSend(admin, NAMES.failed, uuids.slice(2, 5), 'account5@example.com');
    ids.cancelled = await send(sender, NAMES.cancelled, uuids.slice(10, 110));
    await sender.call('POST', `/api/communications/${ids.cancelled}/cancel`);
    ids.inProgress = await send(sender, NAMES.inProgress, uuids.slice(5));
    ids.toCancel = await send(sender, NAMES.toCancel, uuids.slice(5, 205));
    ids.draft = await draft(sender, NAMES.draft, uuids.slice(0, 2));
    ids.toDelete = await draft(sender, NAMES.toDelete, []);
    // The bounce comes back after the sandbox's delay: the Completed row then has a delivery error.
    await until('the bounce reported', async () => (await sender.call<{ deliveryErrors: number }>('GET', `/api/communications/${ids.completed}`)).deliveryErrors === 1);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await crier?.stop();
  });

  const rowOf = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
  /** The row's cells as text; the status badge's glyph (aria-hidden) left out. */
  const cells = async (row: Locator) => (await row.getByRole('cell').allInnerTexts()).map((text) => text.replace(/^[✎➤✓✕⊘]\n/, '').trim());

  async function menuOf(page: Page, name: string): Promise<string[]> {
    await page.getByRole('button', { name: `Actions for ${name}` }).click();
    const items = page.getByRole('menuitem');
    await items.first().waitFor();
    const names = (await items.allInnerTexts()).map((text) => text.trim());
    await page.keyboard.press('Escape');
    await page.getByRole('menu').waitFor({ state: 'hidden' });
    return names;
  }

  async function openList(page: Page, person: Person): Promise<void> {
    await browser.context.clearCookies();
    await signIn(page, crier, person);
    await rowOf(page, NAMES.completed).waitFor();
  }

  it('shows every column of each status, and exactly the actions each status allows', async () => {
    const page = await browser.context.newPage();
    await openList(page, SENDER);
    const headers = (await page.getByRole('columnheader').allInnerTexts()).map((text) => text.trim());
    expect(headers.slice(0, 6)).toEqual(['Communication name', 'Status', 'Messages sent', 'Delivery errors', 'Delivery date', 'Sent by']);

    const [, completedStatus, completedSent, completedErrors, completedDate, completedBy] = await cells(rowOf(page, NAMES.completed));
    expect([completedStatus, completedSent, completedErrors, completedBy]).toEqual(['Completed', '3 / 3 (100 %)', '1', 'Sam Sender']);
    expect(completedDate).toMatch(/\d{4}/);
    const failed = await cells(rowOf(page, NAMES.failed));
    expect(failed.slice(1, 4)).toEqual(['Failed', '2 / 3 (66 %)', '0']);
    expect(failed[5]).toBe(`${ADMIN.firstName} ${ADMIN.lastName}`);
    const cancelled = await cells(rowOf(page, NAMES.cancelled));
    expect(cancelled[1]).toBe('Cancelled');
    expect(cancelled[3]).toBe('0');
    const running = await cells(rowOf(page, NAMES.inProgress));
    expect(running[1]).toBe('In Progress');
    expect(running[2]).toMatch(/^[\d,]+ \/ 595 \(\d+ %\)\n+[\d.,]+ messages\/s$/);
    expect(running[5]).toBe('Sam Sender');
    // A draft has no messages, delivery date or sender yet.
    expect((await cells(rowOf(page, NAMES.draft))).slice(1, 6)).toEqual(['Draft', '', '', '', '']);

    // The badge carries the word and a glyph of its own, not only a colour.
    const glyphs = new Set<string>();
    for (const name of [NAMES.draft, NAMES.completed, NAMES.failed, NAMES.cancelled, NAMES.inProgress]) {
      glyphs.add(await rowOf(page, name).locator('.mantine-Badge-section').innerText());
    }
    expect(glyphs.size).toBe(5);

    // The exact time, in the viewer's zone, on hover.
    await rowOf(page, NAMES.completed).locator('time').hover();
    await expect.poll(() => page.getByRole('tooltip').innerText()).toMatch(/\d{4}.*\d{1,2}:\d{2}:\d{2}.*(E[SD]T|GMT-[45])/);

    expect(await menuOf(page, NAMES.draft)).toEqual(['View', 'Edit', 'Delete']);
    expect(await menuOf(page, NAMES.inProgress)).toEqual(['View', 'Cancel']);
    for (const name of [NAMES.completed, NAMES.failed, NAMES.cancelled]) expect(await menuOf(page, name)).toEqual(['View']);

    await expectAccessible(page, 'the communications list');
    await screenshot(page, 'communications-list');
    // The bundle runs under the server's CSP as it is: no inline script, nothing foreign.
    expect(browser.cspViolations).toEqual([]);
    await page.close();
  });

  it('updates the rows In Progress without a reload', async () => {
    const page = await browser.context.newPage();
    await openList(page, SENDER);
    const sentNow = async () => Number((await cells(rowOf(page, NAMES.inProgress)))[2]!.split(' / ')[0]!.replace(/\D/g, ''));
    const before = await sentNow();
    await expect.poll(sentNow, { timeout: 15_000 }).toBeGreaterThan(before);
    await page.close();
  });

  it('cancels from the row menu mid-send, after saying it cannot be undone', async () => {
    const page = await browser.context.newPage();
    await openList(page, SENDER);
    expect((await cells(rowOf(page, NAMES.toCancel)))[1]).toBe('In Progress');
    await page.getByRole('button', { name: `Actions for ${NAMES.toCancel}` }).click();
    await menuShown(page);
    await screenshot(page, 'communications-menu-in-progress');
    await page.getByRole('menuitem', { name: 'Cancel' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.innerText()).toMatch(/cannot be undone/);
    await page.getByRole('menu').waitFor({ state: 'detached' });
    await expectAccessible(page, 'the cancel confirmation');
    await screenshot(page, 'communications-cancel-confirmation');
    await dialog.getByRole('button', { name: 'Cancel the communication' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await cells(rowOf(page, NAMES.toCancel)))[1]).toBe('Cancelled');
    expect(await statusOf(sender, ids.toCancel!)).toBe('cancelled');
    expect(await menuOf(page, NAMES.toCancel)).toEqual(['View']);
    await page.close();
  });

  it('deletes a draft from the row menu, after saying it cannot be undone', async () => {
    const page = await browser.context.newPage();
    await openList(page, SENDER);
    await page.getByRole('button', { name: `Actions for ${NAMES.toDelete}` }).click();
    await menuShown(page);
    await screenshot(page, 'communications-menu-draft');
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.innerText()).toMatch(/Deleting a communication cannot be undone/);
    // Keeping it changes nothing.
    await dialog.getByRole('button', { name: 'Keep the draft' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await rowOf(page, NAMES.toDelete).count()).toBe(1);

    await page.getByRole('button', { name: `Actions for ${NAMES.toDelete}` }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await rowOf(page, NAMES.toDelete).waitFor({ state: 'detached' });
    await expect(sender.call('GET', `/api/communications/${ids.toDelete}`)).rejects.toThrow(/404/);
    await page.close();
  });

  it('leads View and Edit to their pages, by keyboard too', async () => {
    const page = await browser.context.newPage();
    await openList(page, SENDER);
    // Keyboard only: focus the row's menu button, open it, go down to Edit, take it.
    await page.getByRole('button', { name: `Actions for ${NAMES.draft}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'View' }).waitFor();
    const focused = () => page.locator(':focus').innerText();
    for (let presses = 0; presses < 3 && (await focused()).trim() !== 'Edit'; presses++) await page.keyboard.press('ArrowDown');
    expect((await focused()).trim()).toBe('Edit');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/communications/${ids.draft}/edit$`));
    await expect.poll(() => page.getByRole('heading', { name: `Edit draft ${ids.draft}` }).isVisible()).toBe(true);
    await expectAccessible(page, 'the edit placeholder');
    await page.goBack();
    await page.getByRole('button', { name: `Actions for ${NAMES.completed}` }).click();
    await page.getByRole('menuitem', { name: 'View' }).click();
    await page.waitForURL(new RegExp(`/communications/${ids.completed}$`));
    await page.close();
  });

  it('searches by name and filters by status, in the address', async () => {
    const page = await browser.context.newPage();
    await openList(page, SENDER);
    const names = () => page.getByRole('row').getByRole('link').allInnerTexts();
    await page.getByLabel('Search by name').fill('outage');
    await expect.poll(async () => (await names()).sort()).toEqual([NAMES.completed, NAMES.failed, NAMES.inProgress].sort());
    expect(page.url()).toMatch(/q=outage/);
    await page.getByLabel('Search by name').fill('');
    await page.getByLabel('Status').selectOption({ label: 'Draft' });
    await expect.poll(names).toEqual([NAMES.draft]);
    await page.reload();
    await expect.poll(names).toEqual([NAMES.draft]);
    await page.getByLabel('Search by name').fill('nothing is called this');
    await expect.poll(() => page.getByText('No communication matches these filters').isVisible()).toBe(true);
    await expectAccessible(page, 'the list with no match');
    await page.close();
  });

  it('shows a viewer every communication with View as the only action', async () => {
    const page = await browser.context.newPage();
    await openList(page, VIEWER);
    const rows = page.getByRole('row').filter({ has: page.getByRole('link') });
    const names = await rows.getByRole('link').allInnerTexts();
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of names) expect(await menuOf(page, name), name).toEqual(['View']);
    for (const word of ['Send', 'Send message', 'Cancel', 'Edit', 'Delete']) {
      expect(await page.getByRole('button', { name: word, exact: true }).count(), word).toBe(0);
      expect(await page.getByRole('menuitem', { name: word, exact: true }).count(), word).toBe(0);
    }
    await expectAccessible(page, 'the list as a viewer');
    await page.close();
  });

  it('pages through more communications than fit on a page', async () => {
    for (let k = 1; k <= 25; k++) await draft(sender, `Bulk draft ${String(k).padStart(2, '0')}`, []);
    const page = await browser.context.newPage();
    await browser.context.clearCookies();
    await signIn(page, crier, SENDER);
    const links = page.getByRole('row').getByRole('link');
    await expect.poll(() => links.count()).toBe(25);
    await expect.poll(() => page.getByText(/^1–25 of \d+$/).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Page 2' }).click();
    await page.waitForURL(/page=2/);
    await expect.poll(() => links.allInnerTexts()).toContain(NAMES.completed);
    // A phone: one card a communication, the columns as labelled lines, the same menu.
    await page.setViewportSize({ width: 390, height: 844 });
    const cards = page.getByRole('list', { name: 'Communications' }).getByRole('listitem');
    await expect.poll(() => cards.count()).toBe(6);
    const completed = cards.filter({ has: page.getByRole('link', { name: NAMES.completed }) });
    expect(await completed.innerText()).toMatch(/Completed[\s\S]*Messages sent\s+3 \/ 3 \(100 %\)[\s\S]*Delivery errors\s+1[\s\S]*Sent by\s+Sam Sender/);
    expect(await menuOf(page, NAMES.completed)).toEqual(['View']);
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'the list at 390 px');
    await screenshot(page, 'communications-list-390');
    await page.close();
  });
});
