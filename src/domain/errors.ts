// Typed errors. Every error Crier reports carries a stable code, a short message and details
// saying where (line, column, field). The HTTP layer maps codes to statuses in one place.

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'not_found'
  | 'conflict'
  | 'invalid_transition'
  | 'stale_version'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_credentials'
  | 'csrf_failed'
  | 'rate_limited'
  | 'setup_done'
  | 'setup_token_invalid'
  | 'last_admin'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unavailable'
  | 'unsupported_media_type'
  | 'import_not_csv'
  | 'import_empty'
  | 'import_missing_column'
  | 'import_too_large'
  | 'import_too_many_rows'
  | 'import_too_many_attributes'
  | 'import_attributes_too_large'
  | 'import_malformed'
  | 'import_rejected_rows'
  | 'content_invalid'
  | 'render_failed'
  | 'send_refused'
  | 'provider_failed'
  | 'config_invalid'
  | 'database_unavailable'
  | 'internal';

export class CrierError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'CrierError';
    this.code = code;
    this.details = details;
  }
}

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'bad_request':
    case 'validation_failed':
    case 'import_not_csv':
    case 'import_empty':
    case 'import_missing_column':
    case 'import_malformed':
    case 'import_rejected_rows':
      return 400;
    case 'unauthorized':
    case 'invalid_credentials':
      return 401;
    case 'forbidden':
    case 'csrf_failed':
    case 'setup_token_invalid':
      return 403;
    case 'not_found':
      return 404;
    case 'request_timeout':
      return 408;
    case 'conflict':
    case 'setup_done':
    case 'last_admin':
    case 'invalid_transition':
    case 'stale_version':
      return 409;
    case 'payload_too_large':
    case 'import_too_large':
    case 'import_too_many_rows':
    case 'import_too_many_attributes':
    case 'import_attributes_too_large':
      return 413;
    case 'uri_too_long':
      return 414;
    case 'headers_too_large':
      return 431;
    case 'content_invalid':
    case 'render_failed':
    case 'send_refused':
      return 422;
    case 'provider_failed':
      return 502;
    case 'unsupported_media_type':
      return 415;
    case 'rate_limited':
      return 429;
    case 'database_unavailable':
    case 'unavailable':
      return 503;
    case 'config_invalid':
    case 'internal':
      return 500;
  }
}
