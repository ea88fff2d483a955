// The suppression list, managed by admins: browse, add by hand, lift, and import another tool's
// list (text/csv or multipart, as account imports).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { App } from '../../app.js';
import { CLI_ACTOR } from '../../domain/actor.js';
import type { SuppressionReason } from '../../domain/delivery.js';
import { CrierError } from '../../domain/errors.js';
import type { SuppressionFilter } from '../../store/suppressions.queries.js';
import type { NewManualSuppression } from '../../services/suppressions.service.js';
import { csvStream } from '../csv-body.js';
import {
  newSuppressionBody,
  suppressionIdParams,
  suppressionImportQuery,
  suppressionImportReport,
  suppressionListQuery,
  suppressionPage,
  suppressionSchema,
} from '../suppressions-schemas.js';

const tags = ['suppressions'];

interface ImportQuery {
  acceptValid: boolean;
  reason?: SuppressionReason;
  fileName?: string;
}

export function suppressionRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Querystring: SuppressionFilter }>(
    '/api/suppressions',
    {
      config: { access: 'admin' },
      schema: { summary: 'The suppression list, newest first', tags, querystring: suppressionListQuery, response: { 200: suppressionPage } },
    },
    async (request) => app.suppressions.list(request.query),
  );

  server.post<{ Body: NewManualSuppression }>(
    '/api/suppressions',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Suppress one address by hand (409 when it already is)',
        tags,
        body: newSuppressionBody,
        response: { 201: suppressionSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await app.suppressions.add(request.body, request.actor ?? CLI_ACTOR)),
  );

  server.delete<{ Params: { id: number } }>(
    '/api/suppressions/:id',
    {
      config: { access: 'admin' },
      schema: { summary: 'Lift a suppression: the address may be messaged again', tags, params: suppressionIdParams, response: { 200: suppressionSchema } },
    },
    async (request) => app.suppressions.remove(request.params.id, request.actor ?? CLI_ACTOR),
  );

  server.post<{ Querystring: ImportQuery }>(
    '/api/suppressions/import',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Import another tool's suppression list (CSV); a rejected row stores nothing unless acceptValid",
        tags,
        querystring: suppressionImportQuery,
        response: { 200: suppressionImportReport },
      },
    },
    async (request) => {
      const { stream, fileName } = await upload(request, request.query.fileName);
      return app.suppressions.import(stream, {
        acceptValid: request.query.acceptValid,
        ...(request.query.reason ? { defaultReason: request.query.reason } : {}),
        ...(fileName ? { fileName } : {}),
        actor: request.actor ?? CLI_ACTOR,
      });
    },
  );
}

/** The CSV's bytes and its file name: a multipart upload's own, else the `fileName` parameter. */
async function upload(request: FastifyRequest, fileName: string | undefined): Promise<{ stream: Readable; fileName?: string }> {
  if (!request.isMultipart()) return { stream: await csvStream(request), ...(fileName ? { fileName } : {}) };
  const file = await request.file();
  if (!file) throw new CrierError('bad_request', 'The multipart form has no file field: attach the CSV as a file');
  const name = fileName ?? file.filename;
  return { stream: file.file, ...(name ? { fileName: name } : {}) };
}
