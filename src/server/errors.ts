// One error shape for every answer: {"error": {"code", "message", "details"}}. No stack traces
// leave the server; unexpected errors are logged with them and answered as "internal".
import type { FastifyError, FastifyInstance } from 'fastify';
import { CrierError, httpStatusFor, type ErrorCode } from '../domain/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: ErrorCode | string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Codes for the 4xx errors that Fastify and its plugins raise without a CrierError. */
const PLUGIN_ERROR_CODES: Record<number, ErrorCode> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody('not_found', `No route for ${request.method} ${request.url}`));
  });

  app.setErrorHandler((err: FastifyError | CrierError | Error, request, reply) => {
    if (err instanceof CrierError) {
      const status = httpStatusFor(err.code);
      if (status >= 500) request.log.error({ err }, err.message);
      return reply.status(status).send(errorBody(err.code, err.message, err.details));
    }
    const fastifyError = err as FastifyError;
    if (fastifyError.validation) {
      const details = fastifyError.validation.map((v) => ({
        field: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || (v.params as { missingProperty?: string })?.missingProperty,
        problem: v.message,
      }));
      return reply
        .status(400)
        .send(errorBody('validation_failed', `Invalid request ${fastifyError.validationContext ?? ''}: ${err.message}`, details));
    }
    const status = fastifyError.statusCode ?? 500;
    if (status < 500) {
      return reply.status(status).send(errorBody(PLUGIN_ERROR_CODES[status] ?? 'bad_request', err.message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'Internal error; the server log has the details'));
  });
}
