// Every route the server has × anonymous, viewer, sender and admin: each call is allowed or
// refused exactly as the route's declared access says. Routes are read from the server itself,
// so a new route is checked without anyone adding it here; the policy checks below fail when a
// route is made public, or a viewer may change something other than their own session and tokens.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES, roleAllows, type Access, type Role } from '../../src/domain/roles.js';
import type { RouteAccess } from '../../src/server/auth.js';
import { bearer, createToken, createUser, startAuthServer, type AuthTestServer } from '../harness/auth.js';
import { describeEachDialect } from '../harness/dialects.js';

/**
 * The only routes anyone may call: probes, the docs, signing in, the first-admin setup and
 * unsubscribe links, and the web UI's page and assets (which reveal nothing but the UI's code).
 */
const PUBLIC = new Set([
  'GET /',
  'GET /assets/:file',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/docs',
  'GET /setup',
  'POST /api/session',
  'GET /api/setup',
  'POST /api/setup',
  'GET /unsubscribe/:token',
  'POST /unsubscribe/:token',
]);
const isWebhook = (url: string) => url.startsWith('/webhooks/');

/** Viewers read; the only changes they may make are to their own session and API tokens. */
const VIEWER_CHANGES = new Set(['DELETE /api/session', 'POST /api/tokens', 'DELETE /api/tokens/:id']);

/** Routes whose level is a decision of DESIGN.md §8, pinned so that weakening one fails here. */
const PINNED: Record<string, Access> = {
  'POST /api/accounts/import': 'sender',
  'GET /api/accounts': 'viewer',
  'GET /api/users': 'admin',
  'GET /api/users/:id': 'admin',
  'POST /api/users': 'admin',
  'PATCH /api/users/:id': 'admin',
  'DELETE /api/users/:id': 'admin',
  'GET /api/audit': 'admin',
  'GET /api/tokens': 'viewer',
  'GET /api/suppressions': 'admin',
  'POST /api/suppressions': 'admin',
  'DELETE /api/suppressions/:id': 'admin',
  'POST /api/suppressions/import': 'admin',
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
type Caller = 'anonymous' | Role;
const CALLERS: Caller[] = ['anonymous', ...ROLES];

/** The (method, path) pairs of `printRoutes`: an independent view of the router's table. */
function routerRoutes(tree: string): string[] {
  const found: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (depth > 0 ? stack[depth - 1]! : '') + m[2]!;
    stack[depth] = path;
    for (const method of m[3]?.split(', ') ?? []) found.push(`${method} ${path}`);
  }
  return found.sort();
}

const key = (r: RouteAccess) => `${r.method} ${r.url}`;

describeEachDialect('access matrix', (ctx) => {
  let t: AuthTestServer;
  const headers = new Map<Caller, Record<string, string>>();
  beforeAll(async () => {
    t = await startAuthServer(ctx.url());
    headers.set('anonymous', {});
    for (const role of ROLES) headers.set(role, bearer(await createToken(t.app, (await createUser(t.app, role)).id)));
  });
  afterAll(async () => t?.close());

  const routes = () => t.server.routeAccess.filter((r) => r.method !== 'OPTIONS');

  it('knows every route of the router, each with a declared access', () => {
    expect(routes().map(key).sort()).toEqual(routerRoutes(t.server.printRoutes({ commonPrefix: false })));
    expect(routes().filter((r) => r.access === undefined)).toEqual([]);
    expect(routes().length).toBeGreaterThan(20);
  });

  it('keeps public routes, viewer changes and pinned levels to policy', () => {
    const calls = routes().filter((r) => r.method !== 'HEAD');
    expect(calls.filter((r) => r.access === 'public' && !PUBLIC.has(key(r)) && !isWebhook(r.url)).map(key)).toEqual([]);
    expect(calls.filter((r) => isWebhook(r.url) && r.access !== 'public').map(key)).toEqual([]);
    expect(calls.filter((r) => MUTATING.has(r.method) && r.access === 'viewer' && !VIEWER_CHANGES.has(key(r))).map(key)).toEqual([]);
    for (const [route, access] of Object.entries(PINNED)) {
      expect(calls.find((r) => key(r) === route)?.access, route).toBe(access);
    }
  });

  it('allows and refuses every route × caller as declared', async () => {
    const problems: string[] = [];
    for (const route of routes()) {
      const url = route.url.replace(/:\w+/g, '999999');
      for (const caller of CALLERS) {
        const res = await t.server.inject({ method: route.method as 'GET', url, headers: headers.get(caller)! });
        const json = route.method !== 'HEAD' && String(res.headers['content-type']).startsWith('application/json');
        const code: string | undefined = json ? res.json()?.error?.code : undefined;
        const allowed = roleAllows(caller === 'anonymous' ? null : caller, route.access!);
        const refusal = caller === 'anonymous' ? 401 : 403;
        const refused = res.statusCode === refusal && (code === undefined || code === (caller === 'anonymous' ? 'unauthorized' : 'forbidden'));
        if (allowed === refused) {
          problems.push(`${key(route)} as ${caller}: ${res.statusCode} ${code ?? ''} but declared ${route.access}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
