// Users, tokens and sessions for tests: a fake clock, a cheap (but real) argon2id hasher, and
// helpers that sign in through the API the way a browser or a script would.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import type { Role } from '../../src/domain/roles.js';
import { argon2idHasher, type PasswordHasher } from '../../src/services/passwords.js';
import { buildServer } from '../../src/server/server.js';

export class FakeClock {
  constructor(public time = Date.UTC(2030, 0, 1, 9, 0, 0)) {}
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Real argon2id at a tiny cost: the code paths of production, at a fraction of the time. */
export const cheapHasher = argon2idHasher({ memoryCost: 1024, timeCost: 1 });

/** The cheap hasher, counting its calls: a failed sign-in must always cost one verification. */
export function countingHasher(inner: PasswordHasher = cheapHasher): PasswordHasher & { verifications: number } {
  const counter = {
    verifications: 0,
    hash: (password: string) => inner.hash(password),
    verify: (hash: string, password: string) => {
      counter.verifications++;
      return inner.verify(hash, password);
    },
  };
  return counter;
}

export interface AuthTestServer {
  app: App;
  server: FastifyInstance;
  clock: FakeClock;
  hasher: ReturnType<typeof countingHasher>;
  close(): Promise<void>;
}

export async function startAuthServer(
  databaseUrl: string,
  options: { env?: Record<string, string>; clock?: FakeClock; logger?: Logger; webBundle?: string } = {},
): Promise<AuthTestServer> {
  const clock = options.clock ?? new FakeClock();
  const config = loadConfig({ env: { DATABASE_URL: databaseUrl, CRIER_LOG_LEVEL: 'silent', CRIER_METRICS: 'false', ...options.env } });
  const hasher = countingHasher();
  const app = await createApp(config, { now: clock.now, hasher, logger: options.logger });
  const server = await buildServer(app, { webBundle: options.webBundle });
  await server.ready();
  return {
    app,
    server,
    clock,
    hasher,
    async close() {
      await server.close();
      await app.close();
    },
  };
}

let serial = 0;

export interface TestUser {
  id: number;
  email: string;
  password: string;
  role: Role;
}

export async function createUser(app: App, role: Role, prefix: string = role): Promise<TestUser> {
  const email = `${prefix}.${process.pid}.${++serial}@example.com`;
  const password = `correct horse ${serial} battery`;
  const { user } = await app.auth.users.create({ email, firstName: 'Test', lastName: role, role, password }, CLI_ACTOR);
  return { id: user.id, email, password, role };
}

export async function createToken(app: App, userId: number, name = 'test'): Promise<string> {
  return (await app.auth.tokens.create(userId, name, CLI_ACTOR)).token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface BrowserSession {
  /** The Cookie header a browser would send back. */
  cookie: string;
  csrfToken: string;
  response: LightMyRequestResponse;
}

export async function signIn(server: FastifyInstance, email: string, password: string, ip = '127.0.0.1'): Promise<BrowserSession> {
  const response = await server.inject({ method: 'POST', url: '/api/session', payload: { email, password }, remoteAddress: ip });
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
  const set = response.cookies.find((c) => c.name === 'crier_session');
  return { cookie: `crier_session=${set!.value}`, csrfToken: (response.json() as { csrfToken: string }).csrfToken, response };
}
