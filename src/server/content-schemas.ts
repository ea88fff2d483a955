// JSON schemas of content-bearing bodies, for request validation and the OpenAPI document. The
// services validate the content again with zod (language tags, lengths, merge tags).

const emailVersion = {
  type: 'object',
  properties: { subject: { type: 'string' }, html: { type: 'string' }, text: { type: 'string' } },
  required: ['subject', 'html', 'text'],
} as const;

const smsVersion = { type: 'object', properties: { body: { type: 'string' } }, required: ['body'] } as const;

export const contentProperties = {
  defaultLanguage: { type: 'string', description: 'BCP 47 tag, e.g. en' },
  email: { type: 'object', nullable: true, additionalProperties: emailVersion, description: 'per language: subject, html, text' },
  sms: { type: 'object', nullable: true, additionalProperties: smsVersion, description: 'per language: body' },
} as const;

export function contentBodySchema(extra: { name?: boolean; version?: boolean }) {
  return {
    type: 'object',
    properties: {
      ...(extra.name ? { name: { type: 'string', maxLength: 200 } } : {}),
      ...(extra.version ? { version: { type: 'integer', minimum: 1 } } : {}),
      ...contentProperties,
    },
    required: [...(extra.name ? ['name'] : []), ...(extra.version ? ['version'] : []), 'defaultLanguage'],
  };
}
