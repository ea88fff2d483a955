// The outcome of a communication: account delivery status, send failures (JSON pages and CSV
// downloads) and the resend built from them. CSV answers stream a page at a time.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { App } from '../../app.js';
import { idParams } from '../auth-schemas.js';
import { communicationViewSchema } from '../communication-view-schemas.js';
import {
  deliveriesCsvQuery,
  deliveriesPage,
  deliveriesQuery,
  failuresPage,
  failuresQuery,
  resendBody,
  timelineAnswer,
} from '../outcomes-schemas.js';

const tags = ['outcomes'];

type Filter = { type?: string; status?: string };

function sendCsv(reply: FastifyReply, filename: string, chunks: AsyncGenerator<string>): FastifyReply {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(Readable.from(chunks, { objectMode: false }));
}

export function outcomeRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Params: { id: number }; Querystring: Filter & { cursor?: string; limit: number; page?: number } }>(
    '/api/communications/:id/messages',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Account delivery status: every message that was sent, filtered by type and status',
        description:
          'Keyset pages: pass nextCursor back as cursor. page= (1-based) also works, by offset: slower on deep pages of large communications.',
        tags,
        params: idParams,
        querystring: deliveriesQuery,
        response: { 200: deliveriesPage },
      },
    },
    async (request) => app.outcomes.deliveries(request.params.id, request.query),
  );

  server.get<{ Params: { id: number } }>(
    '/api/communications/:id/timeline',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Delivery outcomes over time: sent, delivered and delivery errors at each progress sample (the last ten minutes of the send), then now',
        tags,
        params: idParams,
        response: { 200: timelineAnswer },
      },
    },
    async (request) => app.outcomes.timeline(request.params.id),
  );

  server.get<{ Params: { id: number }; Querystring: Filter }>(
    '/api/communications/:id/messages.csv',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Account delivery status as CSV: every row of the filter, streamed',
        tags,
        params: idParams,
        querystring: deliveriesCsvQuery,
      },
    },
    async (request, reply) =>
      sendCsv(reply, `communication-${request.params.id}-deliveries.csv`, await app.outcomes.deliveriesCsv(request.params.id, request.query, { bom: true })),
  );

  server.get<{ Params: { id: number }; Querystring: { cursor?: string; limit: number } }>(
    '/api/communications/:id/failures',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Send failures: each message that could not be sent, by account; accounts that received nothing are marked',
        tags,
        params: idParams,
        querystring: failuresQuery,
        response: { 200: failuresPage },
      },
    },
    async (request) => app.outcomes.failures(request.params.id, request.query),
  );

  server.get<{ Params: { id: number } }>(
    '/api/communications/:id/failures.csv',
    { config: { access: 'viewer' }, schema: { summary: 'Send failures as CSV, streamed', tags, params: idParams } },
    async (request, reply) =>
      sendCsv(reply, `communication-${request.params.id}-failures.csv`, await app.outcomes.failuresCsv(request.params.id, { bom: true })),
  );

  server.get<{ Params: { id: number } }>(
    '/api/communications/:id/failures/received-nothing.csv',
    {
      config: { access: 'viewer' },
      schema: { summary: 'The accounts that received nothing, as a recipients CSV (account_uuid) ready to upload', tags, params: idParams },
    },
    async (request, reply) =>
      sendCsv(
        reply,
        `communication-${request.params.id}-received-nothing.csv`,
        await app.outcomes.receivedNothingCsv(request.params.id, { bom: true }),
      ),
  );

  server.post<{ Params: { id: number }; Body: { scope: string } }>(
    '/api/communications/:id/resend',
    {
      config: { access: 'sender' },
      schema: {
        summary: 'A new draft with the same content, for the accounts that received nothing (or every account with a failure)',
        tags,
        params: idParams,
        body: resendBody,
        response: { 201: communicationViewSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await app.outcomes.resend(request.params.id, request.body, request.actor!)),
  );
}
