// A provider module (loaded through CRIER_PROVIDER_MODULES) with a webhook of its own, to test the
// one webhook route apart from any real provider: it "sends" by answering `hk-<id>`, and its
// endpoint accepts a body whose HMAC-SHA256 (key: CRIER_HOOKED_SECRET) is in `x-hooked-signature`,
// holding `{events: [{id, status, key}]}`; it echoes the URL it was called at in its reply.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { DeliveryEvent } from '../../src/domain/delivery.js';
import { defineProvider, type Outgoing, type WebhookRequest, type WebhookVerdict } from '../../src/providers/provider.js';

export const sign = (secret: string, body: Buffer | string) => createHmac('sha256', secret).update(body).digest('hex');

export const providers = [
  defineProvider({
    name: 'hooked',
    channels: ['email', 'sms'],
    settings: z.object({ CRIER_HOOKED_SECRET: z.string().default('hooked-secret') }),
    secrets: ['CRIER_HOOKED_SECRET'],
    create: ({ settings }) => {
      const secret = String(settings.CRIER_HOOKED_SECRET);
      const handle = async (request: WebhookRequest): Promise<WebhookVerdict> => {
        const given = request.headers['x-hooked-signature'];
        if (typeof given !== 'string') return { ok: false, status: 401, reason: 'no x-hooked-signature header' };
        const expected = Buffer.from(sign(secret, request.rawBody));
        if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), expected)) return { ok: false, status: 403, reason: 'the signature does not match the body' };
        const { events } = JSON.parse(request.rawBody.toString('utf8')) as { events: { id: string; status: 'delivered' | 'failed'; key: string }[] };
        const parsed: DeliveryEvent[] = events.map((e) => ({
          provider: 'hooked',
          eventKey: e.key,
          providerMessageId: e.id,
          kind: e.status,
          occurredAt: request.now,
          ...(e.status === 'failed' ? { reason: `hooked says ${e.key} failed` } : {}),
          payload: e,
        }));
        return { ok: true, events: parsed, reply: { contentType: 'text/plain', body: `ok ${request.url}` } };
      };
      return {
        name: 'hooked',
        channels: ['email', 'sms'],
        limits: { maxBatchSize: 100, messagesPerSecond: Infinity, maxConcurrentRequests: 2 },
        webhooks: [{ path: 'hooked/events', handle }],
        async send(batch: readonly Outgoing[]) {
          return batch.map((m) => ({ id: m.id, ok: true as const, providerMessageId: `hk-${m.id}` }));
        },
      };
    },
  }),
];
