// API tokens: anyone signed in manages their own; admins see everyone's and may create a token
// for another user (e.g. a service account).
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { CrierError } from '../../domain/errors.js';
import { apiTokenSchema, idParams, nameField } from '../auth-schemas.js';

export function tokenRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Querystring: { userId?: number } }>(
    '/api/tokens',
    {
      config: { access: 'viewer' },
      schema: {
        summary: "Your API tokens; an admin sees everyone's (or one user's with userId)",
        tags: ['tokens'],
        querystring: { type: 'object', properties: { userId: { type: 'integer', minimum: 1 } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: apiTokenSchema } } } },
      },
    },
    async (request) => {
      const actor = request.actor!;
      const userId = actor.role === 'admin' ? (request.query.userId ?? null) : actor.userId;
      return { items: await app.auth.tokens.list(userId) };
    },
  );

  server.post<{ Body: { name: string; userId?: number } }>(
    '/api/tokens',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Create an API token (shown once in the answer); admins may pass userId',
        tags: ['tokens'],
        body: {
          type: 'object',
          properties: { name: nameField, userId: { type: 'integer', minimum: 1 } },
          required: ['name'],
          additionalProperties: false,
        },
        response: { 201: apiTokenSchema },
      },
    },
    async (request, reply) => {
      const actor = request.actor!;
      const userId = request.body.userId ?? actor.userId!;
      if (userId !== actor.userId && actor.role !== 'admin') {
        throw new CrierError('forbidden', 'Only an admin may create a token for another user', { required: 'admin' });
      }
      return reply.status(201).send(await app.auth.tokens.create(userId, request.body.name, actor));
    },
  );

  server.delete<{ Params: { id: number } }>(
    '/api/tokens/:id',
    {
      config: { access: 'viewer' },
      schema: { summary: 'Revoke an API token (your own; an admin any)', tags: ['tokens'], params: idParams, response: { 204: { type: 'null' } } },
    },
    async (request, reply) => {
      await app.auth.tokens.revoke(request.params.id, request.actor!);
      return reply.status(204).send();
    },
  );
}
