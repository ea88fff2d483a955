// The polling task on its own: bounded calls per run, paging.next followed, where it got to kept
// and started over, no key in its log lines.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import type { DeliveryEvent } from '../../src/domain/delivery.js';
import { MailgunClient } from '../../src/providers/mailgun/mailgun.client.js';
import { mailgunPolling } from '../../src/providers/mailgun/mailgun.poll.js';
import type { AwaitingReport } from '../../src/providers/provider.js';
import { startMailgunApi, type MailgunApi } from '../harness/mailgun-api.js';

const NOW = Date.UTC(2030, 0, 3, 9, 0, 0);
const HOUR = 3_600_000;

function delivered(messageId: string, crierId: number) {
  return {
    id: `ev-${messageId}-${crierId}`,
    event: 'delivered',
    timestamp: (NOW - HOUR) / 1000,
    message: { headers: { 'message-id': messageId } },
    'user-variables': { crier_message_id: String(crierId) },
    'delivery-status': { code: 250, message: 'OK' },
  };
}

describe('Mailgun polling task', () => {
  let api: MailgunApi;
  let client: MailgunClient;
  const lines: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }),
  );
  beforeAll(async () => {
    api = await startMailgunApi();
    client = new MailgunClient({ apiKey: api.apiKey, domain: api.domain, baseUrl: api.url });
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  // 30 messages over 30 requests, all waiting, sent two hours ago.
  const waiting: AwaitingReport[] = Array.from({ length: 30 }, (_, i) => ({
    id: i + 1,
    providerMessageId: `req${i + 1}@mg.example.com#${i + 1}`,
    address: `u${i + 1}@example.com`,
    sentAt: NOW - 2 * HOUR,
  }));
  const capabilities = (ingested: DeliveryEvent[], ranges: unknown[]) => ({
    awaitingReport: async (
      _p: string,
      range: { sentAfter: number; sentBefore: number; afterId: number; limit: number },
    ) => {
      ranges.push(range);
      return waiting.filter((m) => m.id > range.afterId).slice(0, range.limit);
    },
    ingest: async (events: DeliveryEvent[]) => ingested.push(...events),
  });

  it('looks up at most callsPerRun requests a run, resumes where it stopped, then starts over', async () => {
    const ingested: DeliveryEvent[] = [];
    const ranges: { sentAfter: number; sentBefore: number; afterId: number }[] = [];
    api.events = waiting.map((m) => delivered(m.providerMessageId.split('#')[0]!, m.id));
    const task = mailgunPolling({
      client,
      capabilities: capabilities(ingested, ranges),
      logger,
      pollAfterMs: HOUR,
      callsPerRun: 12,
      relookAfterMs: 10 * 60_000,
    });
    const before = api.eventQueries.length;
    await task.run(NOW);
    expect(api.eventQueries.length - before).toBe(12);
    expect(ranges[0]).toMatchObject({
      sentAfter: NOW - 72 * HOUR,
      sentBefore: NOW - HOUR,
      afterId: 0,
    });
    await task.run(NOW + 1);
    await task.run(NOW + 2);
    expect(api.eventQueries.length - before).toBe(30);
    expect(new Set(ingested.map((e) => e.eventKey)).size).toBe(30);
    expect(ingested[0]).toMatchObject({
      provider: 'mailgun',
      kind: 'delivered',
      providerMessageId: 'req1@mg.example.com#1',
    });
    // Looked up recently: not again until relookAfterMs.
    await task.run(NOW + 3);
    expect(api.eventQueries.length - before).toBe(30);
  });

  it('follows paging.next on Mailgun’s origin for a request with many events', async () => {
    const ingested: DeliveryEvent[] = [];
    const many: AwaitingReport[] = Array.from({ length: 650 }, (_, i) => ({
      id: i + 1,
      providerMessageId: `big@mg.example.com#${i + 1}`,
      address: null,
      sentAt: NOW - 2 * HOUR,
    }));
    api.events = many.map((m) => delivered('big@mg.example.com', m.id));
    const task = mailgunPolling({
      client,
      capabilities: {
        awaitingReport: async (_p, r) => many.filter((m) => m.id > r.afterId).slice(0, r.limit),
        ingest: async (e) => ingested.push(...e),
      },
      logger,
      pollAfterMs: HOUR,
    });
    const before = api.eventQueries.length;
    await task.run(NOW);
    expect(api.eventQueries.length - before).toBe(3);
    expect(
      new Set(ingested.map((e) => ('providerMessageId' in e ? e.providerMessageId : ''))).size,
    ).toBe(650);
  });

  it('logs a refused lookup without the key', async () => {
    api.events = [];
    api.eventsAnswer = () => ({ status: 500, body: { message: `upstream said ${api.apiKey}` } });
    const task = mailgunPolling({
      client,
      capabilities: capabilities([], []),
      logger,
      pollAfterMs: HOUR,
    });
    await task.run(NOW);
    api.eventsAnswer = () => undefined;
    expect(lines.join('')).toMatch(/refused a lookup/);
    expect(lines.join('')).not.toContain(api.apiKey);
  });
});
