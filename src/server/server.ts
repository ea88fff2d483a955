// The HTTP server: Fastify with the API routes, health endpoints and one error shape.
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import type { App } from '../app.js';
import type { Actor } from '../domain/actor.js';
import { acceptCsvBodies } from './csv-body.js';
import { installErrorHandling } from './errors.js';
import { accountRoutes } from './routes/accounts.js';
import { healthRoutes } from './routes/health.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is making the request; null until authentication has identified someone. */
    actor: Actor | null;
  }
}

/** Every route module, in one list: the server registers exactly these. */
const ROUTES: ((server: FastifyInstance, app: App) => void)[] = [healthRoutes, accountRoutes];

export async function buildServer(app: App): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: app.logger as FastifyBaseLogger,
    // JSON bodies are small; CSV uploads are streamed and limited by the import settings.
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    disableRequestLogging: false,
  });
  server.decorateRequest('actor', null);
  installErrorHandling(server);
  acceptCsvBodies(server);
  await server.register(fastifyMultipart, {
    limits: { fileSize: app.config.imports.maxBytes, files: 1, fields: 10 },
  });

  const requests = new Counter({
    name: 'crier_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [app.metrics.registry],
  });
  server.addHook('onResponse', async (request, reply) => {
    requests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode });
  });

  for (const register of ROUTES) register(server, app);
  return server;
}
