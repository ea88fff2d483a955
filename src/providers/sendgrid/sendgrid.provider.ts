// SendGrid over its v3 Web API: mail/send in requests of up to 1,000 personalizations over an
// undici Pool, and the Signed Event Webhook at /webhooks/sendgrid.
import { randomUUID, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { Outcome, Outgoing, OutgoingEmail, Provider, ProviderCheck, ProviderFailure, ProviderLimits, WebhookEndpoint, WebhookRequest } from '../provider.js';
import { failureOf, hideSecret, networkFailure, errorText, type SendGridAnswer } from './sendgrid.failures.js';
import { parseEvents, PROVIDER } from './sendgrid.events.js';
import { halve, MAIL_SEND_LIMITS, planRequests, type MailRequest } from './sendgrid.request.js';
import { checkSignature } from './sendgrid.signature.js';

export interface SendGridOptions {
  apiKey: string;
  /** https://api.sendgrid.com, https://api.eu.sendgrid.com, or a loopback server in tests. */
  baseUrl: string;
  /** The Signed Event Webhook's verification key; without it every webhook call is refused. */
  webhookKey: KeyObject | null;
  webhookMaxAgeSeconds: number;
  logger: Logger;
  now?: () => number;
  limits?: Partial<ProviderLimits>;
  /** Connections to SendGrid per worker. */
  connections?: number;
}

const TIMEOUT_MS = 60_000;

export class SendGridProvider implements Provider {
  readonly name = PROVIDER;
  readonly channels = ['email'] as const;
  readonly limits: ProviderLimits;
  readonly webhooks: readonly WebhookEndpoint[];
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private readonly now: () => number;

  constructor(private readonly options: SendGridOptions) {
    this.limits = {
      maxBatchSize: MAIL_SEND_LIMITS.personalizations,
      // SendGrid publishes no per-plan number: its 429s (with X-RateLimit-Reset) pace sending.
      messagesPerSecond: Infinity,
      maxConcurrentRequests: 4,
      rateNote: 'SendGrid: mail/send is limited by the plan (no published number); its 429s and X-RateLimit-Reset are obeyed',
      ...options.limits,
    };
    const base = new URL(options.baseUrl);
    this.pathPrefix = base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(base.origin, { connections: options.connections ?? Math.max(4, this.limits.maxConcurrentRequests), headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
    this.now = options.now ?? Date.now;
    this.webhooks = [{ path: 'sendgrid', handle: (request) => this.handleWebhook(request) }];
  }

  async send(batch: readonly Outgoing[], signal?: AbortSignal): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const emails: OutgoingEmail[] = [];
    for (const m of batch) {
      if (m.channel === 'email') emails.push(m);
      else outcomes.push({ id: m.id, ok: false, failure: { kind: 'permanent', code: 'wrong_channel', message: 'SendGrid sends email only' } });
    }
    const plan = planRequests(emails);
    for (const r of plan.refused) outcomes.push({ id: r.id, ok: false, failure: { kind: 'permanent', code: r.code, message: r.message } });
    // After a 401/403/429 the rest of the batch is not tried: it would get the same answer.
    let held: ProviderFailure | null = null;
    for (const request of plan.requests) {
      if (held) {
        outcomes.push(...failAll(request.ids, held));
        continue;
      }
      const answers = await this.post(request, signal);
      outcomes.push(...answers);
      const failure = answers.find((a): a is Extract<Outcome, { ok: false }> => !a.ok)?.failure;
      if (failure && (failure.kind === 'unavailable' || failure.kind === 'rate_limited') && !answers.some((a) => a.ok)) held = failure;
    }
    return outcomes;
  }

  /** One request; a 413 is split in halves and each tried, down to single messages. */
  private async post(request: MailRequest, signal?: AbortSignal): Promise<Outcome[]> {
    let answer: SendGridAnswer;
    try {
      answer = await this.call('POST', '/v3/mail/send', JSON.stringify(request.body), signal);
    } catch (err) {
      const failure = networkFailure(err, this.options.apiKey);
      this.options.logger.warn({ code: failure.code, messages: request.ids.length, detail: failure.message }, 'SendGrid request failed');
      return failAll(request.ids, failure);
    }
    if (answer.status >= 200 && answer.status < 300) {
      const header = answer.headers['x-message-id'];
      let requestId = Array.isArray(header) ? header[0] : header;
      if (!requestId) {
        // Accepted all the same: sending again would duplicate. Its events will not match.
        requestId = `missing-${randomUUID()}`;
        this.options.logger.warn({ status: answer.status }, 'SendGrid accepted a request without an X-Message-Id header');
      }
      return request.ids.map((id) => ({ id, ok: true as const, providerMessageId: `${requestId}#${id}` }));
    }
    if (answer.status === 413) {
      const halves = halve(request);
      if (halves) return [...(await this.post(halves[0], signal)), ...(await this.post(halves[1], signal))];
    }
    const failure = failureOf(answer, this.now(), this.options.apiKey);
    this.options.logger.warn({ status: answer.status, code: failure.code, kind: failure.kind, messages: request.ids.length, detail: failure.message }, 'SendGrid refused a request');
    return failAll(request.ids, failure);
  }

  /** GET /v3/scopes: sends nothing, needs a valid key, and says whether it may send. */
  async check(): Promise<ProviderCheck> {
    let answer: SendGridAnswer;
    try {
      answer = await this.call('GET', '/v3/scopes');
    } catch (err) {
      return { ok: false, detail: `GET /v3/scopes: ${networkFailure(err, this.options.apiKey).message}` };
    }
    const said = hideSecret(errorText(answer.body) ?? '', this.options.apiKey);
    if (answer.status !== 200) return { ok: false, detail: `GET /v3/scopes: ${answer.status}${said ? ` ${said}` : ''}` };
    let scopes: unknown;
    try {
      scopes = (JSON.parse(answer.body) as { scopes?: unknown }).scopes;
    } catch {
      scopes = undefined;
    }
    const list = Array.isArray(scopes) ? scopes : [];
    if (!list.includes('mail.send')) return { ok: false, detail: 'GET /v3/scopes: 200, but the API key lacks the mail.send permission' };
    return { ok: true, detail: `GET /v3/scopes: 200, the API key may send (${list.length} permissions)` };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async handleWebhook(request: WebhookRequest) {
    const refused = checkSignature(this.options.webhookKey, request, this.options.webhookMaxAgeSeconds);
    return refused ?? parseEvents(request.rawBody, request.now);
  }

  private async call(method: 'GET' | 'POST', path: string, body?: string, signal?: AbortSignal): Promise<SendGridAnswer> {
    const response = await this.pool.request({
      method,
      path: `${this.pathPrefix}${path}`,
      headers: { authorization: `Bearer ${this.options.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
      ...(signal ? { signal } : {}),
    });
    return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
  }
}

function failAll(ids: readonly string[], failure: ProviderFailure): Outcome[] {
  return ids.map((id) => ({ id, ok: false as const, failure }));
}
