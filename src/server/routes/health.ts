// Liveness, readiness and Prometheus metrics: public, for load balancers and scrapers.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { metricsGuard } from '../auth.js';
import { errorBody } from '../errors.js';

export function healthRoutes(server: FastifyInstance, app: App): void {
  server.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));

  server.get('/readyz', { config: { access: 'public' } }, async (_request, reply) => {
    try {
      await app.store.ping();
      return { status: 'ready', database: app.store.dialect };
    } catch (err) {
      return reply.status(503).send(errorBody('not_ready', `Database unreachable: ${(err as Error).message}`));
    }
  });

  // Public unless CRIER_METRICS_TOKEN is set; why, see metricsGuard.
  server.get('/metrics', { config: { access: 'public' }, onRequest: metricsGuard(app.config) }, async (_request, reply) => {
    const body = await app.metrics.text();
    return reply.type(app.metrics.registry.contentType).send(body);
  });
}
