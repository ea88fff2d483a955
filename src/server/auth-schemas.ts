// JSON schemas shared by the user, session, token and audit routes: they validate requests,
// shape answers (fields not listed never leave the server) and feed the OpenAPI document.

const isoTime = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: 'string', format: 'date-time', nullable: true } as const;

export const roleSchema = { type: 'string', enum: ['viewer', 'sender', 'admin'] } as const;

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    role: roleSchema,
    disabled: { type: 'boolean' },
    lockedUntil: nullableTime,
    lastSignInAt: nullableTime,
    createdAt: isoTime,
    updatedAt: isoTime,
  },
  required: ['id', 'email', 'firstName', 'lastName', 'role', 'disabled', 'createdAt', 'updatedAt'],
} as const;

export const apiTokenSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    user: {
      type: 'object',
      properties: { id: { type: 'integer' }, email: { type: 'string' }, firstName: { type: 'string' }, lastName: { type: 'string' } },
    },
    createdAt: isoTime,
    lastUsedAt: nullableTime,
    revokedAt: nullableTime,
    token: { type: 'string', description: 'The token itself: in the creation answer only' },
  },
  required: ['id', 'name', 'user', 'createdAt'],
} as const;

export const sessionSchema = {
  type: 'object',
  properties: {
    user: userSchema,
    csrfToken: { type: 'string', nullable: true, description: 'Send as x-csrf-token with every change; null for bearer tokens' },
  },
  required: ['user', 'csrfToken'],
} as const;

export const auditEntrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: isoTime,
    actor: { type: 'object', properties: { userId: { type: 'integer', nullable: true }, label: { type: 'string' } } },
    action: { type: 'string' },
    target: { type: 'object', properties: { type: { type: 'string' }, id: { type: 'string', nullable: true } } },
    summary: { type: 'string' },
    details: {},
  },
} as const;

export function pageOf<T extends object>(item: T) {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: item },
      page: { type: 'integer' },
      pageSize: { type: 'integer' },
      total: { type: 'integer' },
    },
    required: ['items', 'page', 'pageSize', 'total'],
    additionalProperties: false,
  } as const;
}

export const pageQuery = {
  page: { type: 'integer', minimum: 1, default: 1 },
  pageSize: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
} as const;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
} as const;

export const emailField = { type: 'string', minLength: 3, maxLength: 254 } as const;
export const passwordField = { type: 'string', minLength: 1, maxLength: 256 } as const;
export const nameField = { type: 'string', minLength: 1, maxLength: 100 } as const;

export const signInBody = {
  type: 'object',
  properties: { email: emailField, password: passwordField },
  required: ['email', 'password'],
  additionalProperties: false,
} as const;

export const setupBody = {
  type: 'object',
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, email: emailField, firstName: nameField, lastName: nameField, password: passwordField },
  required: ['token', 'email', 'firstName', 'lastName', 'password'],
  additionalProperties: false,
} as const;

export const setupQuery = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 200 } },
  required: ['token'],
} as const;

/** The setup link's state, for the page at the link: usable until `expiresAt`. */
export const setupLinkSchema = {
  type: 'object',
  properties: { expiresAt: isoTime },
  required: ['expiresAt'],
} as const;

export const setupAnswer = { type: 'object', properties: { user: userSchema }, required: ['user'] } as const;
