// The OpenAPI document, generated from the routes' JSON schemas (see hardening.ts).
import type { FastifyInstance } from 'fastify';

export function docsRoutes(server: FastifyInstance): void {
  server.get(
    '/api/docs',
    { config: { access: 'public' }, schema: { summary: 'This OpenAPI document', tags: ['meta'] } },
    async () => server.swagger(),
  );
}
