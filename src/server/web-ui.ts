// The web UI, served by the API's own server: the built bundle's assets under /assets/, and its
// index.html at / and at every path of the UI's own (a browser asking for a page anywhere but
// under the API, the webhooks, the probes or the unsubscribe pages: see wantsUiPage). The bundle is built at
// `crier serve` start (web-bundle.ts); a server without one says so on its pages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyReply {
    /** Answers the web UI's page (index.html), which reads its path and takes it from there. */
    sendWebApp(status?: number): FastifyReply;
  }
}

/** Paths that are never the UI's: an unknown one answers the API's 404, not a page. */
const NOT_THE_UI = /^\/(?:api|webhooks|unsubscribe|assets|healthz|readyz|metrics|docs)(?:[/?.]|$)/;

/** Hashed file names: a new build has new names, so a browser may keep each file for good. */
const ASSET_CACHE = { maxAge: 365 * 24 * 3_600_000, immutable: true } as const;

const NO_BUNDLE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Crier</title></head>
<body>
<h1>Crier is running</h1>
<p>This server has no web interface: <code>crier serve</code> builds it at start (see its log). Everything is reachable through the HTTP API and the <code>crier</code> command.</p>
<p><a href="/api/docs">API reference (OpenAPI)</a> · <a href="/healthz">Health</a></p>
</body>
</html>
`;

export async function installWebUi(server: FastifyInstance, bundleDir: string | undefined): Promise<void> {
  const page = bundleDir ? readFileSync(join(bundleDir, 'index.html'), 'utf8') : NO_BUNDLE;
  server.decorateReply('sendWebApp', function (this: FastifyReply, status = 200) {
    return this.status(status).type('text/html; charset=utf-8').send(page);
  });
  if (bundleDir) await server.register(fastifyStatic, { root: join(bundleDir, 'assets'), serve: false, ...ASSET_CACHE });

  const hidden = { hide: true } as const;
  server.get('/', { config: { access: 'public' }, schema: hidden }, async (_request, reply) => reply.sendWebApp());

  // Vite writes every asset into assets/ itself, no deeper.
  server.get<{ Params: { file: string } }>('/assets/:file', { config: { access: 'public' }, schema: hidden }, async (request, reply) =>
    bundleDir ? reply.sendFile(request.params.file) : reply.callNotFound(),
  );
}

/**
 * Whether a request no route answers is a browser asking for one of the UI's pages
 * (/communications/12, /sign-in?next=…): the UI routes those itself, so the not-found handler
 * (errors.ts) answers the UI's page for them, and the API's 404 for anything else.
 */
export function wantsUiPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  return !NOT_THE_UI.test(request.url) && (request.headers.accept ?? '').includes('text/html');
}
