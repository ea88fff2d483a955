// The one-time setup link: GET /setup is where the link printed by `crier serve` lands (the web
// UI will put its form there); POST /api/setup creates the first admin.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { emailField, nameField, passwordField, userSchema } from '../auth-schemas.js';

interface SetupBody {
  token: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
}

export function setupRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Querystring: { token: string } }>(
    '/setup',
    {
      // The request log keeps no working setup token: src/log-redaction.ts replaces `token=`.
      config: { access: 'public' },
      schema: {
        summary: 'Landing page of the setup link',
        tags: ['setup'],
        querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 200 } }, required: ['token'] },
      },
    },
    async (request, reply) => {
      const { expiresAt } = await app.auth.setup.check(request.query.token);
      return reply.type('text/html; charset=utf-8').send(setupPage(app.config.publicUrl, new Date(expiresAt).toISOString()));
    },
  );

  server.post<{ Body: SetupBody }>(
    '/api/setup',
    {
      config: { access: 'public', rateLimit: { max: app.config.auth.signInsPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'Create the first admin with the setup link (refused once any user exists)',
        tags: ['setup'],
        body: {
          type: 'object',
          properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, email: emailField, firstName: nameField, lastName: nameField, password: passwordField },
          required: ['token', 'email', 'firstName', 'lastName', 'password'],
          additionalProperties: false,
        },
        response: { 201: { type: 'object', properties: { user: userSchema } } },
      },
    },
    async (request, reply) => {
      const user = await app.auth.setup.complete(request.body);
      return reply.status(201).send({ user });
    },
  );
}

/** A plain page until the web UI takes this path over: it says what to send, not the token. */
function setupPage(publicUrl: string, expiresAt: string): string {
  const api = `${publicUrl.replace(/\/$/, '')}/api/setup`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Set up Crier</title></head>
<body>
<h1>Set up Crier</h1>
<p>This link creates the first admin. It works once, until ${expiresAt}.</p>
<p>Send the token from this page's address with the admin's details:</p>
<pre>curl -X POST ${api} -H 'content-type: application/json' \\
  -d '{"token": "…", "email": "you@example.com", "firstName": "…", "lastName": "…", "password": "at least 12 characters"}'</pre>
</body></html>`;
}
