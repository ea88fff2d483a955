// GET /: what a newcomer sees at http://localhost:3000 until the web UI arrives — that Crier is
// running, and where to go next. Public, and it reveals nothing but that.
import type { FastifyInstance } from 'fastify';

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Crier</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .25rem}</style></head>
<body>
<h1>Crier is running</h1>
<p>The web interface is not part of this version yet; everything is reachable through the HTTP API and the <code>crier</code> command.</p>
<ul>
<li><a href="/api/docs">API reference (OpenAPI)</a></li>
<li><a href="/healthz">Health</a> · <a href="/readyz">Readiness</a></li>
</ul>
<p>First time here? Create an admin with <code>npx crier users create --email you@example.com --first-name … --last-name … --role admin</code>, or use the one-time setup link in the server log.</p>
</body>
</html>
`;

export function homeRoutes(server: FastifyInstance): void {
  server.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
}
