// The web UI as the server serves a built bundle: its page at / and at the UI's own paths (a
// browser asking for HTML), its assets kept for good, and the API's 404 everywhere else.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAuthServer, type AuthTestServer } from '../harness/auth.js';
import { describeEachDialect } from '../harness/dialects.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b.js"></script></head><body><div id="root"></div></body></html>';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describeEachDialect('web UI serving', (ctx) => {
  let t: AuthTestServer;
  const bundle = mkdtempSync(join(tmpdir(), 'crier-web-bundle-'));
  beforeAll(async () => {
    mkdirSync(join(bundle, 'assets'));
    writeFileSync(join(bundle, 'index.html'), INDEX);
    writeFileSync(join(bundle, 'assets', 'app-1a2b.js'), 'console.log("crier")');
    t = await startAuthServer(ctx.url(), { webBundle: bundle });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(bundle, { recursive: true, force: true });
  });

  it("answers the UI's page at / and at its own paths, never cached, with a CSP that allows only its own scripts", async () => {
    for (const url of ['/', '/communications', '/communications/12?tab=delivery', '/sign-in?next=%2Fcommunications']) {
      const res = await t.server.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    }
  });

  it('keeps the API, probes, webhooks and unsubscribe links out of it: their unknown paths get the 404 in the one shape', async () => {
    for (const url of ['/api/nowhere', '/api/communications/12/nothing', '/webhooks/nobody', '/healthz/x', '/metrics/x', '/unsubscribe', '/docs']) {
      const res = await t.server.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('not_found');
    }
    // A script (no text/html) asking for a page that does not exist gets the API's answer too.
    const script = await t.server.inject({ url: '/communications/12' });
    expect(script.statusCode).toBe(404);
    expect(script.json().error.code).toBe('not_found');
    // Only GET and HEAD are pages.
    expect((await t.server.inject({ method: 'POST', url: '/communications', headers: HTML })).statusCode).toBe(404);
  });

  it('serves the assets with a long, immutable cache, and 404 for a missing one or one outside the folder', async () => {
    const asset = await t.server.inject({ url: '/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log("crier")');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await t.server.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    expect([403, 404]).toContain((await t.server.inject({ url: '/assets/..%2Findex.html' })).statusCode);
    expect((await t.server.inject({ url: '/assets/sub/app-1a2b.js' })).statusCode).toBe(404);
  });

  it("answers the setup link with the UI's page and the link's state as the status", async () => {
    const link = (await t.app.auth.setup.openLinkIfNeeded())!;
    const page = await t.server.inject({ url: new URL(link.url).pathname + new URL(link.url).search, headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(INDEX);
    const wrong = await t.server.inject({ url: '/setup?token=wrong', headers: HTML });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body).toBe(INDEX);
  });
});
