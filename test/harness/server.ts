// A real Crier server (app + Fastify) on a test database, driven with inject() as a signed-in
// user: requests carry a sender's API token unless they say otherwise.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { App } from '../../src/app.js';
import type { Role } from '../../src/domain/roles.js';
import { bearer, createToken, createUser, startAuthServer, type FakeClock, type TestUser } from './auth.js';

export type Inject = (options: InjectOptions) => Promise<LightMyRequestResponse>;

export interface TestServer {
  app: App;
  server: FastifyInstance;
  user: TestUser;
  /** As the default user (a sender unless another role was asked for). */
  inject: Inject;
  /** As a new user of that role. */
  as(role: Role): Promise<Inject>;
  close(): Promise<void>;
}

export async function startTestServer(
  databaseUrl: string,
  options: { env?: Record<string, string>; role?: Role; clock?: FakeClock } = {},
): Promise<TestServer> {
  const started = await startAuthServer(databaseUrl, {
    env: { CRIER_DEFAULT_REGION: 'CA', CRIER_METRICS: 'true', ...options.env },
    clock: options.clock,
  });
  const { app, server } = started;
  const injectAs =
    (token: string): Inject =>
    (request) =>
    server.inject({ ...request, headers: { ...bearer(token), ...request.headers } });
  const user = await createUser(app, options.role ?? 'sender');
  return {
    app,
    server,
    user,
    inject: injectAs(await createToken(app, user.id)),
    async as(role) {
      const other = await createUser(app, role);
      return injectAs(await createToken(app, other.id));
    },
    close: () => started.close(),
  };
}
