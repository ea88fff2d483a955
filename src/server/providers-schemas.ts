// JSON schemas of GET /api/providers: they shape the answer (fields not listed never leave the
// server), feed the OpenAPI document, and type the CLI's client (src/cli/api-routes.ts).
const nullableString = { type: 'string', nullable: true } as const;
const nullableNumber = { type: 'number', nullable: true } as const;

export const providersQuery = {
  type: 'object',
  properties: { refresh: { type: 'boolean', default: false } },
  additionalProperties: false,
} as const;

export const providerStatusSchema = {
  type: 'object',
  properties: {
    channel: { type: 'string', enum: ['email', 'sms'] },
    provider: { type: 'string' },
    credentials: {
      type: 'object',
      properties: { ok: { type: 'boolean' }, detail: { type: 'string' }, checkedAt: { type: 'string', format: 'date-time' } },
      required: ['ok', 'detail', 'checkedAt'],
      additionalProperties: false,
    },
    limits: {
      type: 'object',
      properties: {
        maxBatchSize: { type: 'integer' },
        messagesPerSecond: { ...nullableNumber, description: "the provider's own limit; null when it has none" },
        effectivePerSecond: { ...nullableNumber, description: 'what the sender holds to: CRIER_EMAIL_RATE_LIMIT / CRIER_SMS_RATE_LIMIT, else the provider’s own' },
        maxConcurrentRequests: { type: 'integer' },
        effectiveConcurrentRequests: { type: 'integer' },
        rateNote: nullableString,
        validitySeconds: nullableNumber,
      },
      required: ['maxBatchSize', 'messagesPerSecond', 'effectivePerSecond', 'maxConcurrentRequests', 'effectiveConcurrentRequests', 'rateNote', 'validitySeconds'],
      additionalProperties: false,
    },
    breaker: {
      type: 'object',
      properties: {
        state: { type: 'string', enum: ['closed', 'open', 'unknown'] },
        reason: nullableString,
        since: nullableString,
        reportedAt: nullableString,
        senders: { type: 'integer', description: 'senders that reported recently' },
      },
      required: ['state', 'reason', 'since', 'reportedAt', 'senders'],
      additionalProperties: false,
    },
    webhookUrls: { type: 'array', items: { type: 'string' } },
  },
  required: ['channel', 'provider', 'credentials', 'limits', 'breaker', 'webhookUrls'],
  additionalProperties: false,
} as const;

export const providersStatusSchema = {
  type: 'object',
  properties: { channels: { type: 'array', items: providerStatusSchema } },
  required: ['channels'],
  additionalProperties: false,
} as const;
