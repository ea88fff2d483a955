// Provider webhooks (public: the provider's signature is the permission). Each provider in use
// declares its endpoints (Provider.webhooks); this one route file verifies through the provider,
// with the bytes exactly as received, then hands the events to the one delivery intake. A call
// that does not verify stores nothing. Nothing here knows a provider by name.
import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import type { App } from '../../app.js';
import { distinctProviders } from '../../providers/registry.js';

/** A SendGrid post carries up to ~1,000 events (some 600 KB); allow well beyond. */
const BODY_LIMIT = 8 * 1024 * 1024;

export function webhookRoutes(server: FastifyInstance, app: App): void {
  const calls = new Counter({
    name: 'crier_webhook_requests_total',
    help: 'Webhook calls received, by path and result (accepted, or the status refused with)',
    labelNames: ['path', 'result'],
    registers: [app.metrics.registry],
  });
  const publicUrl = app.config.publicUrl.replace(/\/+$/, '');
  // A scope of its own: bodies stay raw bytes here (signatures are over them) and nowhere else.
  void server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
    for (const provider of distinctProviders(app.providers)) {
      for (const endpoint of provider.webhooks ?? []) {
        const path = `/webhooks/${endpoint.path}`;
        scope.post(
          path,
          { config: { access: 'public' }, bodyLimit: BODY_LIMIT, schema: { summary: `Delivery events from ${provider.name}, signature-verified`, tags: ['webhooks'] } },
          async (request, reply) => {
            const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
            const verdict = await endpoint.handle({ rawBody, headers: request.headers, url: `${publicUrl}${request.url}`, now: Date.now() });
            if (!verdict.ok) {
              calls.inc({ path, result: String(verdict.status) });
              request.log.warn({ provider: provider.name, status: verdict.status, reason: verdict.reason }, 'webhook call refused');
              return reply.status(verdict.status).send({ error: { code: 'webhook_rejected', message: verdict.reason } });
            }
            let result = { applied: 0, duplicates: 0, unknown: 0 };
            try {
              if (verdict.events.length > 0) result = await app.delivery.ingest(verdict.events);
            } catch (err) {
              // Nothing was stored: let the provider's retry of this very call in.
              await verdict.undo?.();
              throw err;
            }
            calls.inc({ path, result: 'accepted' });
            request.log.debug({ provider: provider.name, events: verdict.events.length, ...result }, 'webhook events taken in');
            if (verdict.reply) return reply.type(verdict.reply.contentType).send(verdict.reply.body);
            return reply.send({ received: verdict.events.length, ...result });
          },
        );
      }
    }
  });
}
