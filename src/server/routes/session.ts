// Signing in and out with a browser session: POST sets the cookie and answers the CSRF token,
// GET answers who is signed in, DELETE signs out.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../auth.js';
import { sessionSchema, signInBody } from '../auth-schemas.js';

export function sessionRoutes(server: FastifyInstance, app: App): void {
  server.post<{ Body: { email: string; password: string } }>(
    '/api/session',
    {
      config: { access: 'public', rateLimit: { max: app.config.auth.signInsPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'Sign in: sets the session cookie and answers the CSRF token',
        tags: ['session'],
        body: signInBody,
        response: { 200: sessionSchema },
      },
    },
    async (request, reply) => {
      const signedIn = await app.auth.sessions.signIn(request.body.email, request.body.password, request.ip);
      setSessionCookie(request, reply, app.config, signedIn);
      return { user: signedIn.user, csrfToken: signedIn.csrfToken };
    },
  );

  server.get(
    '/api/session',
    {
      config: { access: 'viewer' },
      schema: { summary: 'Who is signed in, and the CSRF token of the session', tags: ['session'], response: { 200: sessionSchema } },
    },
    async (request) => {
      if (request.authSession) return { user: request.authSession.user, csrfToken: request.authSession.csrfToken };
      return { user: await app.auth.users.get(request.actor!.userId!), csrfToken: null };
    },
  );

  server.delete(
    '/api/session',
    {
      config: { access: 'viewer' },
      schema: { summary: 'Sign out: ends the session and clears the cookie', tags: ['session'], response: { 204: { type: 'null' } } },
    },
    async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (request.authSession && cookie) await app.auth.sessions.signOut(cookie, request.actor!);
      clearSessionCookie(reply);
      return reply.status(204).send();
    },
  );
}
