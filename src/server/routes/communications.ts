// Communications: the list, drafts (the wizard's steps), review, preview and test send.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { COMMUNICATION_STATUSES, WIZARD_STEPS } from '../../domain/communication.js';
import { idParams } from '../auth-schemas.js';
import { communicationViewSchema, previewAnswer, previewQuery } from '../communication-view-schemas.js';
import { communicationListPage, communicationListQuery } from '../communications-schemas.js';
import { contentProperties } from '../content-schemas.js';
import { RenderSlots } from '../render-slots.js';

const tags = ['communications'];

export function communicationRoutes(server: FastifyInstance, app: App): void {
  // Review, preview and test send render content on this thread.
  const renders = new RenderSlots(app.config.render.previewsPerUser);

  server.get<{ Querystring: { status?: string; q?: string; page: number; pageSize: number } }>(
    '/api/communications',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The list of communications, newest first',
        description: `status: one or more of ${COMMUNICATION_STATUSES.join(', ')} (comma-separated); q searches names`,
        tags,
        querystring: communicationListQuery,
        response: { 200: communicationListPage },
      },
    },
    async (request) => app.communications.list(request.query),
  );

  server.post<{ Body: { name: string; templateId?: number } }>(
    '/api/communications',
    {
      config: { access: 'sender' },
      schema: {
        summary: 'A new draft: blank, or with a copy of a template',
        tags,
        body: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 200 }, templateId: { type: 'integer', minimum: 1 }, defaultLanguage: { type: 'string' } },
          required: ['name'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => reply.status(201).send(await app.communications.create(request.body, request.actor!)),
  );

  server.get<{ Params: { id: number } }>(
    '/api/communications/:id',
    { config: { access: 'viewer' }, schema: { summary: 'One communication', tags, params: idParams, response: { 200: communicationViewSchema } } },
    async (request) => app.communications.get(request.params.id),
  );

  server.patch<{ Params: { id: number }; Body: unknown }>(
    '/api/communications/:id',
    {
      config: { access: 'sender' },
      schema: {
        summary: 'Edit a draft: name, wizard step, content (send the version you read; a stale one gets 409)',
        tags,
        params: idParams,
        body: {
          type: 'object',
          properties: {
            version: { type: 'integer', minimum: 1 },
            name: { type: 'string', maxLength: 200 },
            step: { type: 'string', enum: [...WIZARD_STEPS] },
            content: { type: 'object', properties: contentProperties },
          },
          required: ['version'],
          additionalProperties: false,
        },
      },
    },
    async (request) => app.communications.update(request.params.id, request.body, request.actor!),
  );

  server.delete<{ Params: { id: number } }>(
    '/api/communications/:id',
    { config: { access: 'sender' }, schema: { summary: 'Delete a draft (other statuses: 409)', tags, params: idParams } },
    async (request, reply) => {
      await app.communications.delete(request.params.id, request.actor!);
      return reply.status(204).send();
    },
  );

  server.get<{ Params: { id: number } }>(
    '/api/communications/:id/review',
    {
      config: { access: 'viewer' },
      schema: { summary: 'Review & Send: counts per channel and language, who gets nothing and why, errors, warnings', tags, params: idParams },
    },
    async (request, reply) => renders.run(request.actor!, reply, () => app.review.review(request.params.id)),
  );

  server.get<{ Params: { id: number }; Querystring: { type?: 'email' | 'sms'; language?: string; accountId?: string } }>(
    '/api/communications/:id/preview',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The message rendered for one account (or the built-in sample account)',
        tags,
        params: idParams,
        querystring: previewQuery,
        response: { 200: previewAnswer },
      },
    },
    async (request, reply) => renders.run(request.actor!, reply, () => app.preview.preview(request.params.id, request.query)),
  );

  server.post<{ Params: { id: number }; Body: unknown }>(
    '/api/communications/:id/test',
    {
      config: { access: 'sender' },
      schema: {
        summary: 'Send a test of the message to yourself (or to "to"); never counted in the figures',
        tags,
        params: idParams,
        body: {
          type: 'object',
          nullable: true,
          properties: {
            type: { type: 'string', enum: ['email', 'sms'] },
            to: { type: 'string' },
            accountId: { type: 'string' },
            language: { type: 'string' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => renders.run(request.actor!, reply, () => app.preview.testSend(request.params.id, request.body, request.actor!)),
  );

  server.post<{ Params: { id: number } }>(
    '/api/communications/:id/send',
    {
      config: { access: 'sender' },
      schema: { summary: 'Send message: Draft → In Progress (refused while the review has blockers)', tags, params: idParams },
    },
    async (request) => app.sending.send(request.params.id, request.actor!),
  );

  server.post<{ Params: { id: number } }>(
    '/api/communications/:id/cancel',
    {
      config: { access: 'sender' },
      schema: { summary: 'Cancel: In Progress → Cancelled; pending messages are stopped, sent ones stay sent', tags, params: idParams },
    },
    async (request) => app.sending.cancel(request.params.id, request.actor!),
  );
}
