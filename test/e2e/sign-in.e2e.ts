// Signing in and out, the first-run setup form, and a session that ends under the user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, expectAccessible, launchBrowser, screenshot, signIn, startCrier, type Crier } from './harness.js';

describe('signing in', () => {
  let crier: Crier;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  beforeAll(async () => {
    crier = await startCrier();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await crier?.stop();
  });

  it('creates the first admin at the setup link, then says the link is used', async () => {
    const page = await browser.context.newPage();
    await page.goto(crier.setupLink);
    await expect.poll(() => page.getByRole('heading', { name: 'Set up Crier' }).isVisible()).toBe(true);
    await expectAccessible(page, 'the setup page');
    await page.getByLabel('First name').fill(ADMIN.firstName);
    await page.getByLabel('Last name').fill(ADMIN.lastName);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create the admin and sign in' }).click();
    await page.waitForURL(/\/communications$/);
    await expect.poll(() => page.getByText(`${ADMIN.firstName} ${ADMIN.lastName}`).isVisible()).toBe(true);

    const again = await page.goto(crier.setupLink);
    expect(again?.status()).toBe(409);
    await expect.poll(() => page.getByRole('heading', { name: 'Crier is set up already' }).isVisible()).toBe(true);
    await expectAccessible(page, 'the used setup link');
    await page.close();
  });

  it('signs in, refuses a wrong password with the API message, and signs out', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${crier.url}/sign-in`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/email or password/i);
    await expectAccessible(page, 'the sign-in page with an error');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('');
    await screenshot(page, 'sign-in');

    await signIn(page, crier, ADMIN);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    const after = await page.evaluate(async () => (await fetch('/api/session')).status);
    expect(after).toBe(401);
    await page.close();
  });

  it('sends a signed-out visitor to sign in, and back to the page asked for', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${crier.url}/communications?q=outage`);
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/communications\?q=outage$/);
    await page.close();
  });

  it('on a session that ends while the page is open: sign in again, then back where the user was', async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await signIn(page, crier, ADMIN);
    await page.goto(`${crier.url}/communications?status=draft`);
    await expect.poll(() => page.getByRole('heading', { name: 'Mass communications' }).isVisible()).toBe(true);
    // The session ends elsewhere (another tab signs out): the next request finds it gone.
    await page.evaluate(async () => {
      const { csrfToken } = (await (await fetch('/api/session')).json()) as { csrfToken: string };
      await fetch('/api/session', { method: 'DELETE', headers: { 'x-csrf-token': csrfToken } });
    });
    await page.getByLabel('Search by name').fill('x');
    await page.waitForURL(/\/sign-in\?next=/);
    await expect.poll(() => page.getByText('Your session has ended').isVisible()).toBe(true);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/communications\?.*status=draft/);
    await page.close();
  });
});
