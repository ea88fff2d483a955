// Security headers, answers kept out of caches, and the OpenAPI document. They hook into route
// registration, so they are installed before any route.
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify';
import type { App } from '../app.js';
import { CrierError } from '../domain/errors.js';
import type { Access } from '../domain/roles.js';
import { CSRF_HEADER, SESSION_COOKIE } from './auth.js';

/**
 * Answers are for the one who asked: the CSRF token, personal data, exports. No browser or proxy
 * keeps one unless its route says otherwise.
 */
const CACHE_CONTROL = 'no-store';

export async function installHardening(server: FastifyInstance, app: App): Promise<void> {
  const helmet: FastifyHelmetOptions = {
    contentSecurityPolicy: {
      // Crier is often reached over plain HTTP on a private network; upgrading its own
      // requests to HTTPS there would break every page.
      directives: { upgradeInsecureRequests: app.config.http.secureCookies ? [] : null },
    },
    // Crier usually lives on one host of a domain it does not own: HSTS must not bind the siblings.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  };
  await server.register(fastifyHelmet, helmet);
  server.decorate('securityHeaders', { ...(await helmetHeaders(helmet)), 'cache-control': CACHE_CONTROL });
  server.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', CACHE_CONTROL);
    return payload;
  });
  // Requests still arriving on open connections once close() has begun: 503, after helmet has
  // set its headers, so a load balancer sends them elsewhere and nothing new starts here.
  let draining = false;
  server.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  server.addHook('onRequest', async (_request, reply) => {
    if (!draining) return;
    void reply.header('connection', 'close');
    throw new CrierError('unavailable', 'The server is shutting down: send the request again');
  });

  await server.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Crier API', version: '1', description: 'Mass email and SMS. Errors answer {"error": {"code", "message", "details"}}.' },
      servers: [{ url: app.config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token: crier_…' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: `From POST /api/session; changes also need the ${CSRF_HEADER} header`,
          },
        },
      },
    },
    // Each operation says who may call it: `x-access` is the route's declared level.
    transform: ({ schema, url, route }) => {
      const access = (route.config as { access?: Access } | undefined)?.access;
      const security: Record<string, string[]>[] = access === 'public' ? [] : [{ bearer: [] }, { session: [] }];
      return { schema: { ...schema, security, 'x-access': access } as FastifySchema, url };
    },
  });
}

/**
 * The headers helmet sets with these options, as one answer of a bare instance shows them: the
 * answers Fastify and Node make before any route (errors.ts) carry exactly these too.
 */
async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(fastifyHelmet, options);
  probe.get('/', async () => '');
  const { headers } = await probe.inject({ url: '/' });
  await probe.close();
  const own = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
  return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (own.has(name) || value === undefined ? [] : [[name, String(value)]])));
}
