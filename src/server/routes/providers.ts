// The providers as an admin sees them: credentials, limits, circuit breakers, webhook URLs.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { providersQuery, providersStatusSchema } from '../providers-schemas.js';

export function providerRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Querystring: { refresh?: boolean } }>(
    '/api/providers',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Each channel's provider: whether its credentials work, its limits, the senders' circuit breaker, its webhook URLs",
        description: 'Credentials checks send nothing; their answers are reused for a minute unless refresh=true. No secret is ever answered.',
        tags: ['providers'],
        querystring: providersQuery,
        response: { 200: providersStatusSchema },
      },
    },
    async (request) => app.providerStatus.status({ refresh: request.query.refresh === true }),
  );
}
