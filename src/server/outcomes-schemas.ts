// JSON schemas of a communication's outcome views (DESIGN.md §4): account delivery status, send
// failures, the timeline of delivery outcomes and the resend. They validate the queries, shape
// the answers, feed the OpenAPI document and type the web UI's client. Pure: the web UI imports
// this file, so it may import only other pure modules.
import { DEFAULT_PAGE_SIZE, DELIVERY_STATES, MAX_PAGE_SIZE, MESSAGE_TYPES } from '../domain/outcomes.js';

const messageType = { type: 'string', enum: MESSAGE_TYPES } as const;
const deliveryState = { type: 'string', enum: DELIVERY_STATES } as const;

export const outcomeFilterProperties = { type: messageType, status: deliveryState } as const;

export const outcomePageProperties = {
  cursor: { type: 'string', maxLength: 200, description: 'nextCursor of the previous page' },
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
} as const;

export const deliveriesQuery = {
  type: 'object',
  properties: { ...outcomeFilterProperties, ...outcomePageProperties, page: { type: 'integer', minimum: 1 } },
  additionalProperties: false,
} as const;

export const deliveriesCsvQuery = { type: 'object', properties: outcomeFilterProperties, additionalProperties: false } as const;

export const failuresQuery = { type: 'object', properties: outcomePageProperties, additionalProperties: false } as const;

const nextCursor = { type: 'string', nullable: true, description: 'pass back as cursor for the next page; null on the last page' } as const;

export const deliveryItemSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    accountId: { type: 'string', description: "the account's UUID" },
    accountName: { type: 'string', nullable: true },
    type: messageType,
    sentAt: { type: 'string', format: 'date-time', nullable: true },
    status: deliveryState,
    error: { type: 'string', nullable: true, description: "the provider's reason, for a failed delivery" },
  },
  required: ['id', 'accountId', 'accountName', 'type', 'sentAt', 'status', 'error'],
  additionalProperties: false,
} as const;

export const deliveriesPage = {
  type: 'object',
  properties: {
    items: { type: 'array', items: deliveryItemSchema },
    nextCursor,
    page: { type: 'integer', description: 'present when the page was asked for by number' },
  },
  required: ['items', 'nextCursor'],
  additionalProperties: false,
} as const;

export const failureItemSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    accountId: { type: 'string', description: "the account's UUID" },
    accountName: { type: 'string', nullable: true },
    line: { type: 'integer', nullable: true, description: "the account's line in the recipients CSV" },
    type: messageType,
    errorCode: { type: 'string', nullable: true },
    error: { type: 'string', nullable: true },
    receivedNothing: { type: 'boolean', description: "none of the account's messages of this communication reached sent" },
  },
  required: ['id', 'accountId', 'accountName', 'line', 'type', 'errorCode', 'error', 'receivedNothing'],
  additionalProperties: false,
} as const;

export const failuresPage = {
  type: 'object',
  properties: { items: { type: 'array', items: failureItemSchema }, nextCursor },
  required: ['items', 'nextCursor'],
  additionalProperties: false,
} as const;

export const timelineAnswer = {
  type: 'object',
  properties: {
    points: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: { type: 'string', format: 'date-time' },
          sent: { type: 'integer' },
          delivered: { type: 'integer' },
          deliveryErrors: { type: 'integer' },
        },
        required: ['at', 'sent', 'delivered', 'deliveryErrors'],
        additionalProperties: false,
      },
    },
  },
  required: ['points'],
  additionalProperties: false,
} as const;

export const resendBody = {
  type: 'object',
  properties: { scope: { type: 'string', enum: ['received-nothing', 'all-failures'] } },
  required: ['scope'],
  additionalProperties: false,
} as const;
