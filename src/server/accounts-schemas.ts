// JSON schemas of POST /api/accounts/import: they shape the answer (fields not listed never leave
// the server), feed the OpenAPI document, and type the CLI's client (src/cli/api-routes.ts).
const strings = { type: 'array', items: { type: 'string' } } as const;

export const accountImportQuery = {
  type: 'object',
  properties: { allOrNothing: { type: 'boolean', default: false } },
  additionalProperties: false,
} as const;

export const accountImportReport = {
  type: 'object',
  properties: {
    rowsRead: { type: 'integer' },
    inserted: { type: 'integer' },
    updated: { type: 'integer' },
    unchanged: { type: 'integer' },
    rejectedRows: { type: 'integer', description: 'rows with at least one problem; `rejected` lists every problem' },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          line: { type: 'integer' },
          column: { type: 'string', nullable: true },
          value: { type: 'string', nullable: true },
          reason: { type: 'string' },
          message: { type: 'string' },
        },
        required: ['line', 'column', 'value', 'reason', 'message'],
        additionalProperties: false,
      },
    },
    applied: { type: 'boolean', description: 'false when nothing was written: all-or-nothing with rejected rows' },
    delimiter: { type: 'string' },
    columns: {
      type: 'object',
      properties: { fields: strings, attributes: strings, ignored: strings },
      required: ['fields', 'attributes', 'ignored'],
      additionalProperties: false,
    },
  },
  required: ['rowsRead', 'inserted', 'updated', 'unchanged', 'rejectedRows', 'rejected', 'applied', 'delimiter', 'columns'],
  additionalProperties: false,
} as const;
