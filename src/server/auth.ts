// The guard in front of every route: works out who is calling (session cookie or bearer token),
// checks the CSRF token of cookie-authenticated changes, and enforces the route's
// `config.access` (public < viewer < sender < admin) before any body is read.
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { CrierError } from '../domain/errors.js';
import { roleAllows, type Access } from '../domain/roles.js';
import { sameSecret } from '../services/secrets.js';
import type { ActiveSession, SignedIn } from '../services/sessions.service.js';

export const SESSION_COOKIE = 'crier_session';
export const CSRF_HEADER = 'x-csrf-token';

/** One route as declared: what the guard will ask of callers. */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its declared access, in registration order: the guard's table, for review. */
    routeAccess: readonly RouteAccess[];
  }
  interface FastifyRequest {
    /** The session of a cookie-authenticated request; null for bearer tokens and anonymous calls. */
    authSession: ActiveSession | null;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function installAuth(server: FastifyInstance, app: App): Promise<void> {
  await server.register(fastifyCookie);
  // Only routes that ask for it (sign-in, setup) are limited; the rest rely on authentication.
  await server.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new CrierError('rate_limited', `Too many attempts from this address: try again in ${context.after}`, {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });

  const table: RouteAccess[] = [];
  server.decorate('routeAccess', table);
  server.decorateRequest('authSession', null);
  server.addHook('onRoute', (route) => {
    const access = (route.config as { access?: Access } | undefined)?.access;
    for (const method of [route.method].flat()) table.push({ method: String(method), url: route.url, access });
  });

  server.addHook('onRequest', async (request, reply) => {
    // A missing access level fails closed; only the not-found handler has none by design.
    const access = request.routeOptions.config.access ?? (request.is404 ? 'public' : 'admin');
    if (access === 'public') return;
    await authenticate(app, request, reply);
    const actor = request.actor!;
    if (!roleAllows(actor.role ?? null, access)) {
      throw new CrierError('forbidden', `This needs the ${access} role or higher; you are ${actor.role ?? 'without a role'}`, {
        required: access,
        role: actor.role ?? null,
      });
    }
  });
}

async function authenticate(app: App, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const bearer = /^Bearer +(\S+)$/i.exec(header)?.[1];
    const actor = bearer ? await app.auth.tokens.authenticate(bearer) : null;
    if (!actor) throw new CrierError('unauthorized', 'The API token is unknown or revoked; send Authorization: Bearer crier_…');
    request.actor = actor;
    return;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) throw new CrierError('unauthorized', 'Sign in first (POST /api/session), or send Authorization: Bearer TOKEN');
  const session = await app.auth.sessions.authenticate(cookie);
  if (!session) {
    clearSessionCookie(reply);
    throw new CrierError('unauthorized', 'The session has expired or ended: sign in again');
  }
  // A cookie rides along on any request the browser makes, forged ones included; the CSRF
  // token does not, so a change must carry it. Bearer tokens are never sent implicitly.
  if (MUTATING.has(request.method)) {
    const given = request.headers[CSRF_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, session.csrfToken)) {
      throw new CrierError('csrf_failed', `Send the session's CSRF token in the ${CSRF_HEADER} header`);
    }
  }
  request.actor = session.actor;
  request.authSession = session;
}

/** Secure when the request came over TLS (directly or per a trusted proxy) or when configured. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, config: Config, signedIn: SignedIn): void {
  reply.setCookie(SESSION_COOKIE, signedIn.sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.http.secureCookies || request.protocol === 'https',
    maxAge: Math.floor(config.auth.sessionMaxMs / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax' });
}

/**
 * /metrics is public by default: it carries counts and timings, no personal data, and
 * Prometheus scrapers rarely hold sessions, so the embedded start (on 127.0.0.1) works out of
 * the box. An operator who exposes Crier beyond a trusted network sets CRIER_METRICS_TOKEN,
 * and the scraper then sends it as a bearer token (Prometheus' `authorization` setting).
 */
export function metricsGuard(config: Config): onRequestHookHandler {
  return async (request) => {
    const expected = config.metricsToken;
    if (expected === undefined) return;
    const given = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!given || !sameSecret(given, expected)) {
      throw new CrierError('unauthorized', 'Metrics need Authorization: Bearer <CRIER_METRICS_TOKEN>');
    }
  };
}
