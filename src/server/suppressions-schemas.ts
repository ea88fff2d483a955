// JSON schemas of the suppression routes: they validate requests, shape answers (fields not
// listed never leave the server) and feed the OpenAPI document.
import { SUPPRESSION_REASONS } from '../services/suppressions.service.js';
import { idParams, pageOf, pageQuery } from './auth-schemas.js';

const channelSchema = { type: 'string', enum: ['email', 'sms'] } as const;
const reasonSchema = { type: 'string', enum: SUPPRESSION_REASONS } as const;

export const suppressionSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    channel: channelSchema,
    address: { type: 'string', description: 'lower-case email address, or phone number in E.164' },
    reason: reasonSchema,
    source: { type: 'string', nullable: true, description: 'where it came from: manual, import:<file>, unsubscribe-link:…, <provider>:<event>' },
    createdAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'channel', 'address', 'reason', 'source', 'createdAt'],
  additionalProperties: false,
} as const;

export const suppressionListQuery = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 200, description: 'part of the address, any case' },
    channel: channelSchema,
    reason: reasonSchema,
    source: { type: 'string', maxLength: 300, description: 'a prefix of the source: import: finds every import' },
    ...pageQuery,
  },
  additionalProperties: false,
} as const;

export const suppressionPage = pageOf(suppressionSchema);

export const newSuppressionBody = {
  type: 'object',
  properties: {
    channel: channelSchema,
    address: { type: 'string', minLength: 1, maxLength: 320 },
    reason: { ...reasonSchema, default: 'manual' },
  },
  required: ['channel', 'address'],
  additionalProperties: false,
} as const;

export const suppressionIdParams = idParams;

export const suppressionImportQuery = {
  type: 'object',
  properties: {
    acceptValid: { type: 'boolean', default: false, description: 'store the valid rows even when others are rejected' },
    reason: { ...reasonSchema, description: 'for rows without a reason (default: unsubscribed, sms_stop for phone numbers)' },
    fileName: { type: 'string', maxLength: 200, description: "kept in the rows' source (import:<fileName>) for a text/csv body" },
  },
  additionalProperties: false,
} as const;

const rejection = {
  type: 'object',
  properties: { line: { type: 'integer' }, field: { type: 'string' }, value: { type: 'string' }, reason: { type: 'string' } },
  required: ['line', 'field', 'value', 'reason'],
  additionalProperties: false,
} as const;

export const suppressionImportReport = {
  type: 'object',
  properties: {
    rowsRead: { type: 'integer' },
    added: { type: 'integer' },
    alreadySuppressed: { type: 'integer' },
    duplicates: { type: 'integer', description: 'rows repeating an address of an earlier row' },
    rejected: { type: 'array', items: rejection },
    applied: { type: 'boolean', description: 'false: rows were rejected and acceptValid was not given, so nothing was stored' },
    delimiter: { type: 'string' },
    columns: {
      type: 'object',
      properties: {
        address: { type: 'string' },
        reason: { type: 'string', nullable: true },
        created: { type: 'string', nullable: true },
        ignored: { type: 'array', items: { type: 'string' } },
      },
      required: ['address', 'reason', 'created', 'ignored'],
      additionalProperties: false,
    },
    source: { type: 'string' },
  },
  required: ['rowsRead', 'added', 'alreadySuppressed', 'duplicates', 'rejected', 'applied', 'delimiter', 'columns', 'source'],
  additionalProperties: false,
} as const;
