// The one way the UI talks to the server: `api('GET /api/communications', { query })`, typed by
// routes.ts. The session is the cookie the browser keeps; every change also carries the
// session's CSRF token (x-csrf-token), learnt from signing in or from GET /api/session. A
// failure throws an ApiError whose message is the API's own `error.message`.
import type { AnswerOf, RequestOf, RouteName } from './routes';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const CSRF_HEADER = 'x-csrf-token';
let csrfToken: string | null = null;
const sessionLostListeners = new Set<() => void>();

/** The session's CSRF token, sent with every change from now on (null after signing out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request finds the session expired or ended (a 401 other than a failed sign-in). */
export function onSessionLost(listener: () => void): () => void {
  sessionLostListeners.add(listener);
  return () => sessionLostListeners.delete(listener);
}

/** Routes whose 401 means "not signed in", not "the session was lost". */
const SIGN_IN_ROUTES = new Set<RouteName>(['POST /api/session', 'GET /api/session']);

type Parts = { params?: object; query?: object; body?: unknown };
/** The request argument, optional when the route takes nothing. */
type Args<R extends RouteName> = keyof RequestOf<R> extends never ? [request?: RequestOf<R>] : [request: RequestOf<R>];

export async function api<R extends RouteName>(route: R, ...[request]: Args<R>): Promise<AnswerOf<R>> {
  const [method, template] = route.split(' ') as [string, string];
  const { params, query, body } = (request ?? {}) as Parts;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;

  let response: Response;
  try {
    response = await fetch(urlOf(template, params, query), {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'Crier cannot be reached: check your connection, then try again');
  }
  if (response.status === 401 && !SIGN_IN_ROUTES.has(route)) for (const listener of sessionLostListeners) listener();
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as AnswerOf<R>;
  return (await response.json()) as AnswerOf<R>;
}

/** `/api/communications/:id/cancel` with `{id: 12}`, then the query string of the defined values. */
export function urlOf(template: string, params?: object, query?: object): string {
  const values = (params ?? {}) as Record<string, unknown>;
  const path = template.replace(/:(\w+)/g, (_, name: string) => {
    if (values[name] === undefined) throw new Error(`${template} needs the path parameter ${name}`);
    return encodeURIComponent(String(values[name]));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const { error } = (await response.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (error?.message) return new ApiError(response.status, error.code ?? 'error', error.message, error.details);
  } catch {
    // Not the API's error shape (a proxy's page, say): described below.
  }
  return new ApiError(response.status, 'http_error', `The server answered ${response.status} ${response.statusText}`.trim());
}
