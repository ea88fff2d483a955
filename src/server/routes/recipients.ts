// The Accounts step of the wizard: upload the recipients CSV (replacing the previous one),
// download the template CSV and the rejected rows of the last upload.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { recipientsTemplateCsv, streamRejectionsCsv } from '../../import/recipients-csv.js';
import { idParams } from '../auth-schemas.js';
import { csvStream } from '../csv-body.js';

const tags = ['communications'];

export function recipientRoutes(server: FastifyInstance, app: App): void {
  server.get(
    '/api/communications/recipients-template.csv',
    { config: { access: 'viewer' }, schema: { summary: 'A template recipients CSV (account_uuid column)', tags } },
    async (_request, reply) =>
      reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="recipients-template.csv"').send(recipientsTemplateCsv()),
  );

  server.post<{ Params: { id: number }; Querystring: { allOrNothing: boolean } }>(
    '/api/communications/:id/recipients',
    {
      config: { access: 'sender' },
      schema: {
        summary: "Upload the draft's recipients CSV (text/csv or multipart); replaces the previous list",
        description: 'Only the UUID column is read (uuid, account_uuid, account_id or id). Rejected rows are named by line and reason.',
        tags,
        params: idParams,
        querystring: { type: 'object', properties: { allOrNothing: { type: 'boolean', default: false } }, additionalProperties: false },
      },
    },
    async (request) => {
      const source = await csvStream(request);
      try {
        // On a thread of its own (app.imports): its database work would stall this one.
        return await app.imports.recipients(request.params.id, source, {
          allOrNothing: request.query.allOrNothing,
          actor: request.actor!,
        });
      } catch (err) {
        // Refused before the body was read (not a draft, no such communication): drain it so the
        // connection stays usable.
        source.resume();
        throw err;
      }
    },
  );

  server.get<{ Params: { id: number } }>(
    '/api/communications/:id/recipients/rejected.csv',
    { config: { access: 'viewer' }, schema: { summary: 'The rejected rows of the last recipients upload, as CSV', tags, params: idParams } },
    async (request, reply) => {
      await app.communications.get(request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="recipients-rejected-${request.params.id}.csv"`)
        .send(Readable.from(streamRejectionsCsv(app.store, request.params.id)));
    },
  );
}
