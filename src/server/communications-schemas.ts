// JSON schemas of the communications list: they validate the query, shape the answer (fields not
// listed never leave the server), feed the OpenAPI document and type the web UI's client. Pure:
// the web UI imports this file, so it may import only other pure modules.
import { COMMUNICATION_STATUSES, ROW_ACTIONS } from '../domain/communication.js';

export const communicationStatusSchema = { type: 'string', enum: COMMUNICATION_STATUSES } as const;

export const communicationListQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', maxLength: 100, description: `one or more of ${COMMUNICATION_STATUSES.join(', ')}, comma-separated` },
    q: { type: 'string', maxLength: 200, description: 'part of the name, any case' },
    page: { type: 'integer', minimum: 1, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 25 },
  },
  additionalProperties: false,
} as const;

/** One row of the list (DESIGN.md §3); the view of one communication starts with the same fields. */
export const communicationListRowSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    status: communicationStatusSchema,
    messagesSent: { type: 'integer', description: 'messages handed to providers' },
    messagesTotal: { type: 'integer', description: 'all messages (an account with email and SMS counts twice)' },
    sendRate: { type: 'number', nullable: true, description: 'messagesSent / messagesTotal, 0 to 1; null while there are no messages' },
    ratePerSecond: { type: 'number', nullable: true, description: 'messages handed over per second over the last minute; null unless In Progress' },
    deliveryErrors: { type: 'integer', description: 'sent messages the provider reported as not received' },
    deliveryDate: { type: 'string', format: 'date-time', nullable: true, description: 'when sending began; null for drafts' },
    sentBy: {
      type: 'object',
      nullable: true,
      properties: { firstName: { type: 'string' }, lastName: { type: 'string' } },
      required: ['firstName', 'lastName'],
      description: 'who pressed Send message; null for drafts',
    },
    actions: { type: 'array', items: { type: 'string', enum: ROW_ACTIONS }, description: 'the row menu this status allows' },
  },
  required: ['id', 'name', 'status', 'messagesSent', 'messagesTotal', 'sendRate', 'ratePerSecond', 'deliveryErrors', 'deliveryDate', 'sentBy', 'actions'],
} as const;

export const communicationListPage = {
  type: 'object',
  properties: {
    items: { type: 'array', items: communicationListRowSchema },
    page: { type: 'integer' },
    pageSize: { type: 'integer' },
    total: { type: 'integer' },
  },
  required: ['items', 'page', 'pageSize', 'total'],
} as const;
