// Users, managed by admins: list, create (with a generated password when none is given),
// change (name, email, role, password, disabled) and delete (disable when the user has history).
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import type { NewUser, UserChanges } from '../../services/users.service.js';
import { emailField, idParams, nameField, pageOf, pageQuery, passwordField, roleSchema, userSchema } from '../auth-schemas.js';

export function userRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Querystring: { page: number; pageSize: number } }>(
    '/api/users',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'List users',
        tags: ['users'],
        querystring: { type: 'object', properties: pageQuery, additionalProperties: false },
        response: { 200: pageOf(userSchema) },
      },
    },
    async (request) => app.auth.users.list(request.query.page, request.query.pageSize),
  );

  server.get<{ Params: { id: number } }>(
    '/api/users/:id',
    { config: { access: 'admin' }, schema: { summary: 'One user', tags: ['users'], params: idParams, response: { 200: userSchema } } },
    async (request) => app.auth.users.get(request.params.id),
  );

  server.post<{ Body: NewUser }>(
    '/api/users',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Create a user; without a password, one is generated and answered once',
        tags: ['users'],
        body: {
          type: 'object',
          properties: { email: emailField, firstName: nameField, lastName: nameField, role: roleSchema, password: passwordField },
          required: ['email', 'firstName', 'lastName', 'role'],
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            properties: { user: userSchema, password: { type: 'string', description: 'The generated password, shown once' } },
          },
        },
      },
    },
    async (request, reply) => reply.status(201).send(await app.auth.users.create(request.body, request.actor!)),
  );

  server.patch<{ Params: { id: number }; Body: UserChanges }>(
    '/api/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Change a user: names, email, role, password, or disabled (signs the user out)',
        tags: ['users'],
        params: idParams,
        body: {
          type: 'object',
          properties: {
            email: emailField,
            firstName: nameField,
            lastName: nameField,
            role: roleSchema,
            password: passwordField,
            disabled: { type: 'boolean' },
          },
          additionalProperties: false,
          minProperties: 1,
        },
        response: { 200: userSchema },
      },
    },
    async (request) => app.auth.users.update(request.params.id, request.body, request.actor!),
  );

  server.delete<{ Params: { id: number } }>(
    '/api/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Delete a user, or disable one with history; never the last admin',
        tags: ['users'],
        params: idParams,
        response: {
          200: { type: 'object', properties: { outcome: { type: 'string', enum: ['deleted', 'disabled'] }, user: userSchema } },
        },
      },
    },
    async (request) => app.auth.users.remove(request.params.id, request.actor!),
  );
}
