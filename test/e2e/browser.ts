// Debian's Chromium driven by playwright-core, as the end-to-end tests and the UI benchmark use
// it: never a downloaded browser, the flags this machine needs, a fresh profile each time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/**
 * A browser of its own (Debian's Chromium, a fresh profile in a temp folder). Each test opens
 * pages in it; `context.clearCookies()` signs everyone out between users. `cspViolations`
 * collects what the pages' Content-Security-Policy refused.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; cspViolations: string[]; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'crier-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    locale: 'en-CA',
    timezoneId: 'America/Toronto',
  });
  // What the Content-Security-Policy refused on any page (an inline script, a foreign source):
  // Chromium reports each on the console.
  const cspViolations: string[] = [];
  context.on('page', (page) =>
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
    }),
  );
  return {
    context,
    cspViolations,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

