// The sandbox's outbox: what it "sent" and the report it made (or will make) for each message.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { roleAllows } from '../../domain/roles.js';

const query = {
  type: 'object',
  properties: {
    to: { type: 'string', maxLength: 320 },
    channel: { type: 'string', enum: ['email', 'sms'] },
    page: { type: 'integer', minimum: 1, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
  additionalProperties: false,
} as const;

export function sandboxRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Querystring: { to?: string; channel?: 'email' | 'sms'; page: number; pageSize: number } }>(
    '/api/sandbox/messages',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Messages the sandbox provider accepted, newest first, with their delivery report (unsubscribe links redacted for viewers)',
        tags: ['sandbox'],
        querystring: query,
      },
    },
    // Viewers see what went out, but not links that would let them unsubscribe its recipients.
    async (request) => app.sandbox.list(request.query, { redactLinks: !roleAllows(request.actor!.role ?? null, 'sender') }),
  );
}
