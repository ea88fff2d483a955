// Security headers and the OpenAPI document. Both hook into route registration, so they are
// installed before any route.
import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { App } from '../app.js';
import type { Access } from '../domain/roles.js';
import { CSRF_HEADER, SESSION_COOKIE } from './auth.js';

export async function installHardening(server: FastifyInstance, app: App): Promise<void> {
  await server.register(fastifyHelmet, {
    contentSecurityPolicy: {
      // Crier is often reached over plain HTTP on a private network; upgrading its own
      // requests to HTTPS there would break every page.
      directives: { upgradeInsecureRequests: app.config.http.secureCookies ? [] : null },
    },
    // Crier usually lives on one host of a domain it does not own: HSTS must not bind the siblings.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
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
