// Templates: reusable content (email and/or SMS per language) that drafts copy.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { idParams } from '../auth-schemas.js';
import { contentBodySchema } from '../content-schemas.js';

export function templateRoutes(server: FastifyInstance, app: App): void {
  server.get('/api/templates', { config: { access: 'viewer' }, schema: { summary: 'All templates', tags: ['templates'] } }, async () => ({
    items: await app.templates.list(),
  }));

  server.post<{ Body: unknown }>(
    '/api/templates',
    {
      config: { access: 'sender' },
      schema: { summary: 'Create a template', tags: ['templates'], body: contentBodySchema({ name: true }) },
    },
    async (request, reply) => reply.status(201).send(await app.templates.create(request.body, request.actor!)),
  );

  server.get<{ Params: { id: number } }>(
    '/api/templates/:id',
    { config: { access: 'viewer' }, schema: { summary: 'One template', tags: ['templates'], params: idParams } },
    async (request) => app.templates.get(request.params.id),
  );

  server.put<{ Params: { id: number }; Body: unknown }>(
    '/api/templates/:id',
    {
      config: { access: 'sender' },
      schema: {
        summary: 'Replace a template (send the version you read; a stale one gets 409)',
        tags: ['templates'],
        params: idParams,
        body: contentBodySchema({ name: true, version: true }),
      },
    },
    async (request) => app.templates.update(request.params.id, request.body, request.actor!),
  );

  server.delete<{ Params: { id: number } }>(
    '/api/templates/:id',
    { config: { access: 'sender' }, schema: { summary: 'Delete a template (communications keep their copy)', tags: ['templates'], params: idParams } },
    async (request, reply) => {
      await app.templates.delete(request.params.id, request.actor!);
      return reply.status(204).send();
    },
  );
}
