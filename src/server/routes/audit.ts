// The audit log, for admins: newest first, filtered by target (`type:id`), actor and action.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import type { AuditQuery } from '../../services/audit.service.js';
import { auditEntrySchema, pageOf, pageQuery } from '../auth-schemas.js';

export function auditRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Querystring: AuditQuery }>(
    '/api/audit',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Audit log, newest first',
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            target: { type: 'string', maxLength: 200, description: 'type or type:id, e.g. user:3' },
            actor: { type: 'string', maxLength: 200, description: 'a user id, or text of the actor label' },
            action: { type: 'string', maxLength: 64, description: 'exact, or a prefix ending in * (users.*)' },
            ...pageQuery,
          },
          additionalProperties: false,
        },
        response: { 200: pageOf(auditEntrySchema) },
      },
    },
    async (request) => app.auth.audit.list(request.query),
  );
}
