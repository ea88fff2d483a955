// The HTTP server: Fastify with the API routes, health endpoints and one error shape.
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import type { App } from '../app.js';
import type { Actor } from '../domain/actor.js';
import type { Access } from '../domain/roles.js';
import { installAuth } from './auth.js';
import { acceptCsvBodies } from './csv-body.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling, MAX_PATH_PARAM_CHARS } from './errors.js';
import { installHardening } from './hardening.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { communicationRoutes } from './routes/communications.js';
import { recipientRoutes } from './routes/recipients.js';
import { docsRoutes } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { outcomeRoutes } from './routes/outcomes.js';
import { providerRoutes } from './routes/providers.js';
import { sessionRoutes } from './routes/session.js';
import { setupRoutes } from './routes/setup.js';
import { sandboxRoutes } from './routes/sandbox.js';
import { templateRoutes } from './routes/templates.js';
import { tokenRoutes } from './routes/tokens.js';
import { webhookRoutes } from './routes/webhooks.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { userRoutes } from './routes/users.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { installWebUi } from './web-ui.js';

/**
 * Who may call a route: 'public' (health checks; webhooks, which verify signatures instead), or
 * the least role that may: viewer < sender < admin. Every route must say; see `requireAccess`.
 * Defined with the roles in src/domain/roles.ts; enforced by src/server/auth.ts.
 */
export type { Access };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is making the request; null until authentication has identified someone. */
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** A route without an access level is a mistake caught at start-up, not a public route. */
function requireAccess(server: FastifyInstance): void {
  server.addHook('onRoute', (route) => {
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (route.method === 'HEAD' || route.method === 'OPTIONS') return;
    if (!access) throw new Error(`Route ${String(route.method)} ${route.url} declares no config.access`);
  });
}

/** Every route module, in one list: the server registers exactly these. */
const ROUTES: ((server: FastifyInstance, app: App) => void)[] = [
  healthRoutes,
  accountRoutes,
  sessionRoutes,
  setupRoutes,
  userRoutes,
  tokenRoutes,
  auditRoutes,
  docsRoutes,
  templateRoutes,
  communicationRoutes,
  outcomeRoutes,
  recipientRoutes,
  providerRoutes,
  sandboxRoutes,
  unsubscribeRoutes,
  suppressionRoutes,
  webhookRoutes,
];

export interface ServerOptions {
  /** The built web UI (web-bundle.ts) to serve at /; without it, / says there is none. */
  webBundle?: string;
}

export async function buildServer(app: App, options: ServerOptions = {}): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: app.logger as FastifyBaseLogger,
    // JSON bodies are small; CSV uploads are streamed and limited by the import settings.
    bodyLimit: 1024 * 1024,
    // While it drains, the server answers 503 itself (hardening.ts), in the one error shape.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Behind a proxy, the client's address (rate limits, audit) and https (Secure cookies) come
    // from X-Forwarded-* headers, believed only when CRIER_TRUST_PROXY says so.
    trustProxy: app.config.http.trustProxy,
    // What Fastify and Node answer before any route (bad URL, long path part, oversized
    // headers, garbage) answers in the one error shape with the security headers too.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_CHARS },
    frameworkErrors,
    clientErrorHandler,
  });
  server.decorateRequest('actor', null);
  requireAccess(server);
  installErrorHandling(server);
  acceptCsvBodies(server);
  await server.register(fastifyMultipart, {
    limits: { fileSize: app.config.imports.maxBytes, files: 1, fields: 10 },
  });
  await installHardening(server, app);
  await installAuth(server, app);

  const requests = new Counter({
    name: 'crier_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [app.metrics.registry],
  });
  server.addHook('onResponse', async (request, reply) => {
    requests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode });
  });

  await installWebUi(server, options.webBundle);
  for (const register of ROUTES) register(server, app);
  return server;
}
