// JSON schemas of one communication as its view shows it (DESIGN.md §4): the list row's fields,
// then its content, counts and live progress; and the preview of its content for one account.
// They shape the answers, feed the OpenAPI document and type the web UI's client. Pure: the web
// UI imports this file, so it may import only other pure modules.
import { communicationListRowSchema } from './communications-schemas.js';
import { contentProperties } from './content-schemas.js';

const isoTime = { type: 'string', format: 'date-time' } as const;

export const sendProgressSchema = {
  type: 'object',
  nullable: true,
  description: 'live progress while In Progress; null in every other status',
  properties: {
    sent: { type: 'integer' },
    total: { type: 'integer' },
    ratePerSecond: { type: 'number', description: 'messages handed to providers per second over the last minute' },
    etaSeconds: { type: 'number', nullable: true, description: 'seconds left at that rate; null while the rate is 0' },
    waitReason: { type: 'string', nullable: true, description: 'why sending is paused (a provider failing every attempt), or null' },
  },
  required: ['sent', 'total', 'ratePerSecond', 'etaSeconds', 'waitReason'],
  additionalProperties: false,
} as const;

export const communicationViewSchema = {
  type: 'object',
  properties: {
    ...communicationListRowSchema.properties,
    step: { type: 'string' },
    version: { type: 'integer' },
    templateId: { type: 'integer', nullable: true },
    content: { type: 'object', properties: contentProperties, required: ['defaultLanguage', 'email', 'sms'], additionalProperties: false },
    recipients: { type: 'integer', description: 'accounts in the recipients CSV' },
    messages: {
      type: 'object',
      properties: {
        total: { type: 'integer' },
        sent: { type: 'integer' },
        sendFailed: { type: 'integer' },
        cancelled: { type: 'integer' },
        delivered: { type: 'integer' },
        deliveryErrors: { type: 'integer' },
      },
      required: ['total', 'sent', 'sendFailed', 'cancelled', 'delivered', 'deliveryErrors'],
      additionalProperties: false,
    },
    waitReason: { type: 'string', nullable: true },
    progress: sendProgressSchema,
    finishedAt: { ...isoTime, nullable: true },
    createdAt: isoTime,
    updatedAt: isoTime,
  },
  required: [
    ...communicationListRowSchema.required,
    'step',
    'version',
    'templateId',
    'content',
    'recipients',
    'messages',
    'waitReason',
    'progress',
    'finishedAt',
    'createdAt',
    'updatedAt',
  ],
  additionalProperties: false,
} as const;

export const previewQuery = {
  type: 'object',
  properties: { type: { type: 'string', enum: ['email', 'sms'] }, language: { type: 'string' }, accountId: { type: 'string' } },
  additionalProperties: false,
} as const;

export const previewAnswer = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['email', 'sms'] },
    language: { type: 'string' },
    account: {
      type: 'object',
      description: 'whom it was rendered for: an account, or the built-in sample',
      properties: { id: { type: 'string' }, name: { type: 'string' }, sample: { type: 'boolean' } },
      required: ['id', 'name', 'sample'],
      additionalProperties: false,
    },
    email: {
      type: 'object',
      properties: { subject: { type: 'string' }, html: { type: 'string' }, text: { type: 'string' } },
      required: ['subject', 'html', 'text'],
      additionalProperties: false,
    },
    sms: {
      type: 'object',
      properties: {
        body: { type: 'string' },
        encoding: { type: 'string' },
        segments: { type: 'integer' },
        characters: { type: 'integer', description: 'encoding units: GSM-7 septets or UTF-16 units' },
      },
      required: ['body', 'encoding', 'segments', 'characters'],
      additionalProperties: false,
    },
  },
  required: ['type', 'language', 'account'],
  additionalProperties: false,
} as const;
