// The accounts directory: import (CSV) and browse.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { CLI_ACTOR } from '../../domain/actor.js';
import { accountImportQuery, accountImportReport } from '../accounts-schemas.js';
import { csvStream } from '../csv-body.js';

const pageQuery = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 200 },
    page: { type: 'integer', minimum: 1, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
  additionalProperties: false,
} as const;

export function accountRoutes(server: FastifyInstance, app: App): void {
  server.post<{ Querystring: { allOrNothing?: boolean } }>(
    '/api/accounts/import',
    {
      config: { access: 'sender' },
      schema: {
        querystring: accountImportQuery,
        response: { 200: accountImportReport },
      },
    },
    async (request) => {
      const source = await csvStream(request);
      // The body's length is near enough the file's, for sizing the import's memory once.
      const length = Number(request.headers['content-length']);
      return app.accounts.import(source, {
        allOrNothing: request.query.allOrNothing,
        actor: request.actor ?? CLI_ACTOR,
        ...(length > 0 ? { expectedBytes: length } : {}),
      });
    },
  );

  server.get<{ Querystring: { q?: string; page: number; pageSize: number } }>(
    '/api/accounts',
    { config: { access: 'viewer' }, schema: { querystring: pageQuery } },
    async (request) => app.accounts.search(request.query.q, request.query.page, request.query.pageSize),
  );

  server.get<{ Params: { id: string } }>('/api/accounts/:id', { config: { access: 'viewer' } }, async (request) => app.accounts.get(request.params.id));
}
