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
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'import_not_csv'
  | 'import_empty'
  | 'import_missing_column'
  | 'import_too_large'
  | 'import_too_many_rows'
  | 'import_malformed'
  | 'import_rejected_rows'
  | 'config_invalid'
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
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'invalid_transition':
    case 'stale_version':
      return 409;
    case 'payload_too_large':
    case 'import_too_large':
    case 'import_too_many_rows':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'config_invalid':
    case 'internal':
      return 500;
  }
}
