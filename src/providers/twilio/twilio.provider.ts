// Twilio Programmable Messaging through its REST API: one "create a Message" request per SMS,
// form-encoded with Basic auth over an undici Pool (README.md says why not the SDK). A 21610
// (the recipient replied STOP) is also an opt-out Crier did not hear: it goes to the intake.
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { DeliveryEvent } from '../../domain/delivery.js';
import type { Outcome, Outgoing, OutgoingSms, Provider, ProviderCheck, ProviderFailure, ProviderLimits, WebhookEndpoint } from '../provider.js';
import { AUTHENTICATION_FAILED, failureOf, retryAfterMs, UNSUBSCRIBED_RECIPIENT, type TwilioErrorBody } from './twilio.failures.js';
import { twilioWebhooks } from './twilio.webhooks.js';

export type NumberType = 'long-code' | 'toll-free' | 'short-code';

/** Twilio's documented default throughput per sending number, in message segments per second. */
const THROUGHPUT: Readonly<Record<NumberType, { perSecond: number; note: string }>> = {
  'long-code': { perSecond: 1, note: 'Twilio long-code number: 1 SMS/s' },
  'toll-free': { perSecond: 3, note: 'Twilio toll-free number: 3 SMS/s' },
  'short-code': { perSecond: 100, note: 'Twilio short code: 100 SMS/s' },
};

const TIMEOUT_MS = 30_000;

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** At least one: the number, or the Messaging Service (both: that number of the service's pool). */
  sender: { from?: string | undefined; messagingServiceSid?: string | undefined };
  baseUrl: string;
  numberType: NumberType;
  validitySeconds: number;
  concurrency: number;
  /** CRIER_PUBLIC_URL without a trailing slash: Twilio posts status callbacks under it. */
  publicUrl: string;
  ingest(events: DeliveryEvent[]): Promise<unknown>;
  logger?: Logger;
  now?: () => number;
}

type Answer = { status: number; json: unknown; retryAfter: string | string[] | undefined };

export class TwilioProvider implements Provider {
  readonly name = 'twilio';
  readonly channels = ['sms'] as const;
  readonly limits: ProviderLimits;
  readonly webhooks: readonly WebhookEndpoint[];
  private readonly pool: Pool;
  private readonly prefix: string;
  private readonly authorization: string;
  private readonly statusCallback: string;

  constructor(private readonly options: TwilioOptions) {
    if (!options.sender.from && !options.sender.messagingServiceSid) throw new Error('Twilio needs TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID');
    const throughput = THROUGHPUT[options.numberType];
    this.limits = {
      maxBatchSize: 1,
      messagesPerSecond: throughput.perSecond,
      maxConcurrentRequests: options.concurrency,
      rateNote: throughput.note,
      validityMs: options.validitySeconds * 1000,
    };
    const base = new URL(options.baseUrl);
    this.prefix = `${base.pathname.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}`;
    this.pool = new Pool(base.origin, { connections: options.concurrency, pipelining: 1, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
    this.statusCallback = `${options.publicUrl}/webhooks/twilio/status`;
    this.webhooks = twilioWebhooks(options.authToken);
  }

  async send(batch: readonly Outgoing[]): Promise<Outcome[]> {
    return Promise.all(batch.map((m) => (m.channel === 'sms' ? this.sendOne(m) : notSms(m.id))));
  }

  private async sendOne(m: OutgoingSms): Promise<Outcome> {
    const form = new URLSearchParams({ To: m.to, Body: m.body, StatusCallback: this.statusCallback, ValidityPeriod: String(this.options.validitySeconds) });
    if (this.options.sender.messagingServiceSid) form.set('MessagingServiceSid', this.options.sender.messagingServiceSid);
    if (this.options.sender.from) form.set('From', this.options.sender.from);
    let answer: Answer;
    try {
      answer = await this.request('POST', '/Messages.json', form.toString());
    } catch (err) {
      return { id: m.id, ok: false, failure: this.networkFailure(err) };
    }
    const sid = (answer.json as { sid?: unknown } | null)?.sid;
    if (answer.status === 201 && typeof sid === 'string' && sid !== '') return { id: m.id, ok: true, providerMessageId: sid };
    if (answer.status >= 200 && answer.status < 300) {
      // Twilio took it but named no message: a retry could send the SMS twice; failing it cannot.
      return { id: m.id, ok: false, failure: { kind: 'permanent', code: 'bad_answer', message: `Twilio answered ${answer.status} without a message sid` } };
    }
    const body = errorBody(answer.json);
    const failure = failureOf({ status: answer.status, body, retryAfterMs: retryAfterMs(answer.retryAfter, this.now()) });
    if (body?.code === UNSUBSCRIBED_RECIPIENT) await this.recordStop(m.to, m.id, body);
    return { id: m.id, ok: false, failure: { ...failure, message: this.hide(failure.message) } };
  }

  /**
   * Twilio keeps the recipient's STOP to itself until we send: suppress the number as if we had
   * heard it. Keyed by the message too: after a START lifted it, a later 21610 suppresses again.
   */
  private async recordStop(phone: string, messageId: string, body: TwilioErrorBody): Promise<void> {
    const event: DeliveryEvent = { provider: this.name, eventKey: `send-21610:${phone}:${messageId}`, kind: 'stop', phone, occurredAt: this.now(), payload: body };
    try {
      await this.options.ingest([event]);
    } catch (err) {
      // The message has failed either way; the next send to this number will answer 21610 again.
      this.options.logger?.warn({ err: this.hide((err as Error).message) }, 'could not record the suppression of a number Twilio reports unsubscribed');
    }
  }

  async check(): Promise<ProviderCheck> {
    const what = `GET /2010-04-01/Accounts/${this.options.accountSid}.json`;
    let answer: Answer;
    try {
      answer = await this.request('GET', '.json');
    } catch (err) {
      return { ok: false, detail: `${what}: ${this.networkFailure(err).message}` };
    }
    if (answer.status === 200) {
      const status = (answer.json as { status?: unknown } | null)?.status;
      return { ok: status === undefined || status === 'active', detail: `${what} answered 200: account ${typeof status === 'string' ? status : 'found'}` };
    }
    const body = errorBody(answer.json);
    if (answer.status === 401 || body?.code === AUTHENTICATION_FAILED) return { ok: false, detail: `${what}: authentication failed (20003)` };
    return { ok: false, detail: this.hide(`${what} answered ${answer.status}${body?.message ? `: ${body.message}` : ''}`) };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async request(method: 'GET' | 'POST', path: string, body?: string): Promise<Answer> {
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await this.pool.request({ method, path: `${this.prefix}${path}`, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.body.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      // A proxy's HTML error page: the status alone decides.
    }
    return { status: response.statusCode, json, retryAfter: response.headers['retry-after'] };
  }

  private networkFailure(err: unknown): ProviderFailure {
    const e = err as { code?: string; message?: string };
    const timeout = e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT';
    return { kind: 'transient', code: timeout ? 'timeout' : 'network', message: this.hide(`cannot reach Twilio: ${e.message ?? String(err)}`) };
  }

  /** No answer of Twilio's (nor an error of ours) ever carries the token out; this keeps it so. */
  private hide(text: string): string {
    return text.split(this.options.authToken).join('(hidden)');
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

function errorBody(json: unknown): TwilioErrorBody | null {
  return typeof json === 'object' && json !== null ? (json as TwilioErrorBody) : null;
}

function notSms(id: string): Outcome {
  return { id, ok: false, failure: { kind: 'permanent', code: 'wrong_channel', message: 'Twilio sends SMS only' } };
}
