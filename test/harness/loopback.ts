// A loopback "provider API" and the client that talks to it: an HTTP server on 127.0.0.1 that
// counts every message it receives and answers as a provider would (202, 429 with Retry-After,
// 5xx, 401), and a Provider that posts batches to it over an undici Pool. Used by the engine's
// tests (in-process or loaded by a worker process through CRIER_PROVIDER_MODULES) and by bench/.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { Channel, Outcome, Outgoing, Provider, ProviderLimits } from '../../src/providers/provider.js';

export interface LoopbackAnswer {
  status: number;
  retryAfterSeconds?: number;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

export interface LoopbackServer {
  url: string;
  /** Times each message id was received. */
  received: Map<string, number>;
  requests: number;
  /** Decides the answer of each request; default 202 at once. */
  answer: (request: { n: number; ids: string[] }) => LoopbackAnswer;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLoopbackServer(): Promise<LoopbackServer> {
  const state: LoopbackServer = {
    url: '',
    received: new Map(),
    requests: 0,
    answer: () => ({ status: 202 }),
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const { messages } = JSON.parse(await body(req)) as { messages: { id: string }[] };
    const ids = messages.map((m) => m.id);
    const answer = state.answer({ n: ++state.requests, ids });
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (answer.status >= 200 && answer.status < 300) {
      for (const id of ids) state.received.set(id, (state.received.get(id) ?? 0) + 1);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: ids.map((id) => ({ id, providerMessageId: `lb-${id}-${state.requests}` })) }));
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (answer.retryAfterSeconds !== undefined) headers['retry-after'] = String(answer.retryAfterSeconds);
    res.writeHead(answer.status, headers);
    res.end(JSON.stringify({ error: `loopback answers ${answer.status}` }));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/** A provider client of the loopback API: the real shape of an HTTP provider, status codes mapped as the engine expects. */
export class LoopbackProvider implements Provider {
  readonly channels: readonly Channel[] = ['email', 'sms'];
  readonly limits: ProviderLimits;
  private readonly pool: Pool;

  constructor(
    readonly name: string,
    url: string,
    limits: Partial<ProviderLimits> = {},
  ) {
    this.limits = { maxBatchSize: 1000, messagesPerSecond: Infinity, maxConcurrentRequests: 4, ...limits };
    this.pool = new Pool(url, { connections: Math.max(4, this.limits.maxConcurrentRequests), pipelining: 1 });
  }

  async send(batch: readonly Outgoing[]): Promise<Outcome[]> {
    const payload = JSON.stringify({ messages: batch.map((m) => ({ id: m.id, to: m.to, ...(m.channel === 'sms' ? { body: m.body } : { subject: m.subject }) })) });
    let response;
    try {
      response = await this.pool.request({ path: '/send', method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    } catch (err) {
      return batch.map((m) => ({ id: m.id, ok: false, failure: { kind: 'transient', code: 'network', message: (err as Error).message } }));
    }
    const text = await response.body.text();
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      const { results } = JSON.parse(text) as { results: { id: string; providerMessageId: string }[] };
      return results.map((r) => ({ id: r.id, ok: true, providerMessageId: r.providerMessageId }));
    }
    const retryAfter = Number(response.headers['retry-after']);
    const kind = status === 429 ? 'rate_limited' : status === 401 || status === 403 ? 'unavailable' : status >= 500 ? 'transient' : 'permanent';
    const message = status === 401 ? '401 Unauthorized' : `HTTP ${status}`;
    return batch.map((m) => ({
      id: m.id,
      ok: false,
      failure: { kind, code: `http_${status}`, message, ...(Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}) },
    }));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
