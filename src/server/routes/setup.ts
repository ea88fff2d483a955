// The one-time setup link: GET /setup is where the link printed by `crier serve` lands, the web
// UI's form (answered with the link's state as its status: 403 for a bad link, 409 once an admin
// exists, so the page and a script agree); GET /api/setup tells the form the same in JSON;
// POST /api/setup creates the first admin.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { CrierError } from '../../domain/errors.js';
import { setupAnswer, setupBody, setupLinkSchema, setupQuery } from '../auth-schemas.js';

interface SetupBody {
  token: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
}

const tags = ['setup'];

export function setupRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Querystring: { token: string } }>(
    '/setup',
    {
      // The request log keeps no working setup token: src/log-redaction.ts replaces `token=`.
      config: { access: 'public' },
      schema: { summary: 'Landing page of the setup link: the form that creates the first admin', tags, querystring: setupQuery },
    },
    async (request, reply) => {
      try {
        await app.auth.setup.check(request.query.token);
        return reply.sendWebApp(200);
      } catch (err) {
        if (err instanceof CrierError && (err.code === 'setup_done' || err.code === 'setup_token_invalid')) {
          return reply.sendWebApp(err.code === 'setup_done' ? 409 : 403);
        }
        throw err;
      }
    },
  );

  server.get<{ Querystring: { token: string } }>(
    '/api/setup',
    {
      config: { access: 'public', rateLimit: { max: app.config.auth.signInsPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'Whether the setup link still works (403 setup_token_invalid, 409 setup_done), and until when',
        tags,
        querystring: setupQuery,
        response: { 200: setupLinkSchema },
      },
    },
    async (request) => {
      const { expiresAt } = await app.auth.setup.check(request.query.token);
      return { expiresAt: new Date(expiresAt).toISOString() };
    },
  );

  server.post<{ Body: SetupBody }>(
    '/api/setup',
    {
      config: { access: 'public', rateLimit: { max: app.config.auth.signInsPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'Create the first admin with the setup link (refused once any user exists)',
        tags,
        body: setupBody,
        response: { 201: setupAnswer },
      },
    },
    async (request, reply) => {
      const user = await app.auth.setup.complete(request.body);
      return reply.status(201).send({ user });
    },
  );
}
