// Unsubscribe links (public: the signed token is the permission). GET shows a confirmation page
// and changes nothing, since mail scanners follow links; POST suppresses the address. POST is
// also what RFC 8058 one-click clients send (body List-Unsubscribe=One-Click), so any body is
// accepted. A bad token gets the same page style with 404 and says nothing about why.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { unsubscribePage } from '../unsubscribe-page.js';

const params = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 100 } },
  required: ['token'],
} as const;

export function unsubscribeRoutes(server: FastifyInstance, app: App): void {
  // The request log keeps which message, not a working link: src/log-redaction.ts sees to it.
  const rateLimit = { max: app.config.unsubscribesPerMinute, timeWindow: 60_000 };
  // A scope of its own, so form bodies are understood here and nowhere else (elsewhere they
  // would let a cross-site form reach the JSON API).
  void server.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    scope.get<{ Params: { token: string } }>(
      '/unsubscribe/:token',
      { config: { access: 'public', rateLimit }, schema: { summary: 'The page of an unsubscribe link', tags: ['unsubscribe'], params } },
      async (request, reply) => {
        const target = await app.unsubscribes.find(request.params.token);
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
        if (!target) return reply.status(404).send(unsubscribePage('invalid'));
        return reply.send(unsubscribePage('confirm', target));
      },
    );

    scope.post<{ Params: { token: string } }>(
      '/unsubscribe/:token',
      {
        config: { access: 'public', rateLimit },
        schema: { summary: 'Unsubscribe (the page form, or RFC 8058 one-click)', tags: ['unsubscribe'], params },
      },
      async (request, reply) => {
        const done = await app.unsubscribes.unsubscribe(request.params.token);
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
        if (!done) return reply.status(404).send(unsubscribePage('invalid'));
        if (done.added) request.log.info({ message: done.messageId }, 'unsubscribed by link');
        return reply.send(unsubscribePage('done', done));
      },
    );
  });
}
