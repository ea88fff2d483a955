// Mailgun: batch sending over its HTTP API, its signed webhooks, and polling its events API for
// reports that never came.
import type { Logger } from 'pino';
import type {
  Outcome,
  Outgoing,
  OutgoingEmail,
  PeriodicTask,
  Provider,
  ProviderCapabilities,
  ProviderCheck,
  ProviderFailure,
  ProviderLimits,
  WebhookEndpoint,
} from '../provider.js';
import { MailgunClient } from './mailgun.client.js';
import { mailgunMessage, networkFailure, sendVerdict } from './mailgun.failures.js';
import { mailgunPolling } from './mailgun.poll.js';
import { MAX_RECIPIENTS, planRequests, requestFields } from './mailgun.request.js';
import { mailgunWebhook } from './mailgun.webhook.js';

export interface MailgunOptions {
  apiKey: string;
  domain: string;
  baseUrl: string;
  webhookSigningKey?: string;
  webhookMaxAgeMs: number;
  pollAfterMs: number;
  capabilities: Pick<ProviderCapabilities, 'firstUse' | 'forget' | 'awaitingReport' | 'ingest'>;
  logger: Logger;
  now: () => number;
  limits?: Partial<ProviderLimits>;
}

/** Requests of one batch in flight at once (a batch splits only for duplicate addresses, shapes, 413). */
const REQUESTS_PER_BATCH = 4;

export class MailgunProvider implements Provider {
  readonly name = 'mailgun';
  readonly channels = ['email'] as const;
  readonly limits: ProviderLimits;
  readonly webhooks: readonly WebhookEndpoint[];
  private readonly client: MailgunClient;

  constructor(private readonly options: MailgunOptions) {
    this.limits = {
      maxBatchSize: MAX_RECIPIENTS,
      messagesPerSecond: Infinity,
      maxConcurrentRequests: 4,
      rateNote:
        'Mailgun: up to 1,000 recipients a request; the account’s own limits answer 429 with when to retry',
      ...options.limits,
    };
    this.client = new MailgunClient({
      apiKey: options.apiKey,
      domain: options.domain,
      baseUrl: options.baseUrl,
      connections: this.limits.maxConcurrentRequests * REQUESTS_PER_BATCH,
    });
    this.webhooks = [
      mailgunWebhook({
        ...(options.webhookSigningKey ? { signingKey: options.webhookSigningKey } : {}),
        maxAgeMs: options.webhookMaxAgeMs,
        firstUse: options.capabilities.firstUse,
        forget: options.capabilities.forget,
      }),
    ];
  }

  async send(batch: readonly Outgoing[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const emails: OutgoingEmail[] = [];
    for (const m of batch) {
      if (m.channel === 'email') emails.push(m);
      else
        outcomes.push({
          id: m.id,
          ok: false,
          failure: {
            kind: 'permanent',
            code: 'channel_unsupported',
            message: 'Mailgun sends email only',
          },
        });
    }
    const requests = planRequests(emails);
    let next = 0;
    const worker = async () => {
      while (next < requests.length)
        outcomes.push(...(await this.sendRequest(requests[next++]!.messages)));
    };
    await Promise.all(
      Array.from({ length: Math.min(REQUESTS_PER_BATCH, requests.length) }, worker),
    );
    return outcomes;
  }

  /** One request; a 413 (or a 400 naming a recipient) splits it in halves, each sent on its own. */
  private async sendRequest(messages: readonly OutgoingEmail[]): Promise<Outcome[]> {
    let answer;
    try {
      answer = await this.client.sendMessage(requestFields(messages));
    } catch (err) {
      return failAll(
        messages,
        networkFailure(err, (t) => this.client.redact(t)),
      );
    }
    const verdict = sendVerdict(answer, {
      domain: this.options.domain,
      now: this.options.now(),
      redact: (t) => this.client.redact(t),
    });
    switch (verdict.kind) {
      case 'queued':
        return messages.map((m) => ({
          id: m.id,
          ok: true,
          providerMessageId: `${verdict.id}#${m.id}`,
        }));
      case 'split': {
        if (messages.length === 1) return failAll(messages, verdict.failure);
        const half = Math.ceil(messages.length / 2);
        const [a, b] = await Promise.all([
          this.sendRequest(messages.slice(0, half)),
          this.sendRequest(messages.slice(half)),
        ]);
        return [...a, ...b];
      }
      case 'failed':
        return failAll(messages, verdict.failure);
    }
  }

  tasks(): PeriodicTask[] {
    return [
      mailgunPolling({
        client: this.client,
        capabilities: this.options.capabilities,
        logger: this.options.logger,
        pollAfterMs: this.options.pollAfterMs,
      }),
    ];
  }

  async check(): Promise<ProviderCheck> {
    const where = `GET ${this.client.origin}/v3/domains/${this.options.domain}`;
    try {
      const answer = await this.client.domain();
      if (answer.status === 200) {
        const state = (JSON.parse(answer.text) as { domain?: { state?: unknown } }).domain?.state;
        return {
          ok: true,
          detail: `${where}: 200, the key works and the domain is known${typeof state === 'string' ? ` (state: ${state})` : ''}`,
        };
      }
      const said = this.client.redact(mailgunMessage(answer));
      const meaning =
        answer.status === 401
          ? 'the API key is refused'
          : answer.status === 404
            ? 'no such domain in this region'
            : 'refused';
      return {
        ok: false,
        detail: `${where}: ${answer.status}, ${meaning}${said ? ` (${said})` : ''}`,
      };
    } catch (err) {
      return { ok: false, detail: `${where}: ${this.client.redact((err as Error).message)}` };
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function failAll(messages: readonly OutgoingEmail[], failure: ProviderFailure): Outcome[] {
  return messages.map((m) => ({ id: m.id, ok: false, failure }));
}
