// CSV uploads arrive as a text/csv body or as the first file of a multipart form; either way the
// route gets a byte stream that is read as it arrives, never buffered whole.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { CrierError } from '../domain/errors.js';

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain', 'application/vnd.ms-excel'];

export function acceptCsvBodies(app: FastifyInstance): void {
  // The stream is handed over untouched; the CSV reader enforces the size limit itself.
  app.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));
}

export async function csvStream(request: FastifyRequest): Promise<Readable> {
  if (request.isMultipart()) {
    const file = await request.file();
    if (!file) throw new CrierError('bad_request', 'The multipart form has no file field: attach the CSV as a file');
    return file.file;
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!CSV_TYPES.includes(type)) {
    throw new CrierError(
      'unsupported_media_type',
      `Send the CSV as text/csv or as a multipart/form-data file, not ${type || 'no content type'}`,
    );
  }
  return request.body as Readable;
}
