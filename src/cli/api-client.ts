// The command line acting through a running server instead of opening the database: with
// `--api URL --token T` (or CRIER_API_URL and CRIER_API_TOKEN) a command sends its request with
// an API token, so it runs as that user, under that user's role, and is audited as them.
//
// A command that supports it asks `apiClientFrom(options)` first and falls back to withCliApp:
//   const api = apiClientFrom(program.opts<GlobalOptions>());
//   const result = api ? await api.request('GET', '/api/…') : await withCliApp(config, (app) => …);
import { Readable } from 'node:stream';
import { CrierError, type ErrorCode } from '../domain/errors.js';
import type { AnswerOf, CallOf, CliRoute } from './api-routes.js';

export interface ApiTarget {
  /** Where the server is, e.g. https://crier.example.com */
  url: string;
  /** An API token (crier_…). */
  token: string;
}

/** The target named by --api/--token or CRIER_API_URL/CRIER_API_TOKEN; null means "use the database". */
export function apiTargetFrom(options: { api?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): ApiTarget | null {
  const url = options.api ?? env.CRIER_API_URL;
  const token = options.token ?? env.CRIER_API_TOKEN;
  if (!url && !token) return null;
  if (!url || !token) {
    throw new CrierError('config_invalid', 'Acting through the API needs both a URL and a token: --api and --token, or CRIER_API_URL and CRIER_API_TOKEN');
  }
  return { url: url.replace(/\/+$/, ''), token };
}

export function apiClientFrom(options: { api?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): ApiClient | null {
  const target = apiTargetFrom(options, env);
  return target ? new ApiClient(target) : null;
}

export type RequestBody = { json: unknown } | { stream: Readable; contentType: string };

export class ApiClient {
  constructor(
    private readonly target: ApiTarget,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Calls one route of api-routes.ts, with the request and answer its schemas define. */
  call<K extends CliRoute>(route: K, request: CallOf<K>): Promise<AnswerOf<K>> {
    const [method, template] = route.split(' ') as ['GET' | 'POST' | 'DELETE', string];
    const { params, query, body, csv } = request as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; csv?: Readable };
    const path = template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params?.[name])));
    const search = new URLSearchParams(Object.entries(query ?? {}).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])));
    const target = search.size > 0 ? `${path}?${search.toString()}` : path;
    return this.request<AnswerOf<K>>(method, target, csv ? { stream: csv, contentType: 'text/csv' } : body === undefined ? undefined : { json: body });
  }

  /** Sends one request; answers the parsed JSON, or throws the server's error as a CrierError. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: RequestBody): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.target.token}`, accept: 'application/json' };
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body.json);
    } else if (body) {
      // Streamed, never read into memory whole: account files may be gigabytes.
      headers['content-type'] = body.contentType;
      init.body = Readable.toWeb(body.stream) as ReadableStream;
      init.duplex = 'half';
    }
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.target.url}${path}`, init);
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new CrierError('internal', `Cannot reach the Crier server at ${this.target.url}: ${cause}`);
    }
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    throw toError(response.status, text);
  }
}

/** The server's {"error": {code, message, details}} as the same CrierError the command would raise locally. */
function toError(status: number, text: string): CrierError {
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; details?: unknown } };
    return new CrierError(error.code as ErrorCode, error.message, error.details);
  } catch {
    return new CrierError('internal', `The server answered ${status}: ${text.slice(0, 200)}`);
  }
}
