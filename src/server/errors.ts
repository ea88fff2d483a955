// One error shape for every answer: {"error": {"code", "message", "details"}}. No stack traces
// leave the server; unexpected errors are logged with them and answered as "internal".
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { CrierError, httpStatusFor, type ErrorCode } from '../domain/errors.js';
import { wantsUiPage } from './web-ui.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The headers helmet sets, recorded once (hardening.ts) for the answers made before any route. */
    securityHeaders: Readonly<Record<string, string>>;
  }
}

/** The longest path parameter the router matches (Fastify's default, said here so messages can name it). */
export const MAX_PATH_PARAM_CHARS = 100;

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
    if (wantsUiPage(request)) return reply.sendWebApp();
    void reply.status(404).send(errorBody('not_found', `No route for ${request.method} ${request.url}`));
  });

  app.setErrorHandler((err: FastifyError | CrierError | Error, request, reply) => {
    if (err instanceof CrierError) {
      const status = httpStatusFor(err.code);
      if (status >= 500) request.log.error({ err }, err.message);
      // A refusal that says when to come back says it the way HTTP clients read it too.
      const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (status === 429 && typeof retryAfter === 'number' && !reply.hasHeader('retry-after')) {
        void reply.header('retry-after', String(retryAfter));
      }
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

/**
 * Answers Fastify makes before any route exists for the request (a URL that does not decode, a
 * path parameter over the router's limit): the one error shape and the security headers, and
 * never the client's URL, which is the attacker's text.
 */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (error, request, reply) => {
  const [code, message] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? (['uri_too_long', `A part of the URL's path is longer than ${MAX_PATH_PARAM_CHARS} characters`] as const)
      : error.code === 'FST_ERR_BAD_URL'
        ? (['bad_request', "The URL's path does not decode: each % must begin two hex digits, together UTF-8"] as const)
        : (['bad_request', 'The request could not be routed'] as const);
  void answerEarly(request, reply, code, message);
};

function answerEarly(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply
    .code(httpStatusFor(code))
    .headers({ ...request.server.securityHeaders, 'content-type': 'application/json; charset=utf-8' })
    .send(JSON.stringify(errorBody(code, message)));
}

/**
 * Node's HTTP parser refuses a request before Fastify sees it (headers or URL over
 * `maxHeaderSize`, bytes that are not HTTP, too slow): the answer is written on the socket, in
 * the same shape and with the same headers as every other.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message]: [ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', `The request's headers and URL are larger than the ${maxHeaderSize / 1024} KB the server reads`]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'The request did not arrive in time']
        : ['bad_request', 'The request is not valid HTTP/1.1'];
  this.log.debug({ err: { code: err.code, message: err.message } }, 'client error');
  if (!socket.writable) return void socket.destroy(err);
  const status = httpStatusFor(code);
  const body = JSON.stringify(errorBody(code, message));
  const headers = {
    ...this.securityHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  socket.write([`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, ...head, '', body].join('\r\n'));
  socket.destroy(err);
}
