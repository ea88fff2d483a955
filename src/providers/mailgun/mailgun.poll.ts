// The "no report" rescue: messages Mailgun accepted that still have no final report some time
// after sending (a webhook lost, misrouted or not configured) are looked up in Mailgun's events
// API and their events handed to the one intake, mapped exactly as the webhook maps them (same
// eventKey, so a webhook copy that comes later is a duplicate). Work per run is bounded; where it
// got to is kept in memory only, since losing it merely starts the walk over.
import type { Logger } from 'pino';
import type { MessageEvent } from '../../domain/delivery.js';
import type { AwaitingReport, PeriodicTask, ProviderCapabilities } from '../provider.js';
import type { MailgunAnswer, MailgunClient } from './mailgun.client.js';
import { mapMailgunEvent, PROVIDER } from './mailgun.events.js';
import { mailgunMessage, retryAfterMs } from './mailgun.failures.js';

export interface MailgunPollOptions {
  client: Pick<MailgunClient, 'events' | 'redact'>;
  capabilities: Pick<ProviderCapabilities, 'awaitingReport' | 'ingest'>;
  logger: Logger;
  /** How long after sending a message without a final report is looked up. */
  pollAfterMs: number;
  /** Older messages are the no-report sweep's (CRIER_DELIVERY_REPORT_HOURS, 72 h by default). */
  deadlineMs?: number;
  everyMs?: number;
  /** Events API calls per run, pages included. */
  callsPerRun?: number;
  /** A request looked up is not looked up again sooner than this (its reports may still be on their way). */
  relookAfterMs?: number;
}

const PAGE = 200;
/** Pages of one request's events followed: 1,000 recipients' final events fit in four. */
const MAX_PAGES_PER_REQUEST = 10;
/** The events that can end or mark a message; `accepted`, opens and clicks would only fill pages. */
const FINAL_EVENTS = 'delivered OR failed OR complained OR unsubscribed';
const DEFAULT_PAUSE_MS = 60_000;
/** Pages of waiting messages read per run, however many were already looked up. */
const MAX_PAGES_PER_RUN = 50;

type Lookup =
  | { ok: true; events: MessageEvent[]; calls: number }
  | { ok: false; calls: number; pauseMs?: number };

export function mailgunPolling(options: MailgunPollOptions): PeriodicTask {
  const deadlineMs = options.deadlineMs ?? 72 * 3_600_000;
  const callsPerRun = options.callsPerRun ?? 300;
  const relookAfterMs = options.relookAfterMs ?? 30 * 60_000;
  let afterId = 0;
  let pausedUntil = 0;
  const lookedUpAt = new Map<string, number>();

  const lookup = async (
    requestId: string,
    sentAt: number,
    callsLeft: number,
    now: number,
  ): Promise<Lookup> => {
    const events: MessageEvent[] = [];
    let calls = 0;
    let next: string | undefined;
    while (calls < Math.min(callsLeft, MAX_PAGES_PER_REQUEST)) {
      let answer: MailgunAnswer;
      try {
        answer = await options.client.events(
          next ?? {
            'message-id': requestId,
            event: FINAL_EVENTS,
            begin: String(Math.floor(sentAt / 1000) - 300),
            ascending: 'yes',
            limit: '300',
          },
        );
      } catch (err) {
        options.logger.warn(
          { requestId, err: options.client.redact((err as Error).message) },
          'Mailgun events API unreachable; polling resumes at its next run',
        );
        return { ok: false, calls: calls + 1 };
      }
      calls++;
      if (answer.status === 429)
        return { ok: false, calls, pauseMs: retryAfterMs(answer, now) ?? DEFAULT_PAUSE_MS };
      if (answer.status !== 200) {
        options.logger.warn(
          { requestId, status: answer.status, said: options.client.redact(mailgunMessage(answer)) },
          'Mailgun events API refused a lookup; polling resumes at its next run',
        );
        return { ok: false, calls };
      }
      const page = parsePage(answer.text);
      for (const item of page.items) {
        const mapped = mapMailgunEvent(item);
        if (mapped.ok && mapped.event) events.push(mapped.event);
      }
      if (page.items.length < 300 || !page.next) return { ok: true, events, calls };
      next = page.next;
    }
    return { ok: true, events, calls };
  };

  return {
    name: 'mailgun missing reports',
    everyMs: options.everyMs ?? 3 * 60_000,
    async run(now) {
      if (now < pausedUntil) return;
      for (const [id, at] of lookedUpAt) if (now - at >= relookAfterMs) lookedUpAt.delete(id);
      let calls = 0;
      // A request's messages may span pages of waiting messages: its events are read once a run.
      const fetched = new Map<string, MessageEvent[]>();
      for (let pages = 0; calls < callsPerRun && pages < MAX_PAGES_PER_RUN; pages++) {
        const page = await options.capabilities.awaitingReport(PROVIDER, {
          sentAfter: now - deadlineMs,
          sentBefore: now - options.pollAfterMs,
          afterId,
          limit: PAGE,
        });
        for (const [requestId, messages] of byRequest(page)) {
          let found = fetched.get(requestId);
          if (!found) {
            if (lookedUpAt.has(requestId)) continue;
            // Out of calls mid-page: the page is walked again next run; requests done are skipped then.
            if (calls >= callsPerRun) return;
            const lookedUp = await lookup(
              requestId,
              Math.min(...messages.map((m) => m.sentAt)),
              callsPerRun - calls,
              now,
            );
            calls += lookedUp.calls;
            if (!lookedUp.ok) {
              if (lookedUp.pauseMs !== undefined) pausedUntil = now + lookedUp.pauseMs;
              return;
            }
            lookedUpAt.set(requestId, now);
            found = lookedUp.events;
            fetched.set(requestId, found);
          }
          // Only the messages still waiting: a final state elsewhere is left alone.
          const waiting = new Set(messages.map((m) => m.providerMessageId));
          const events = found.filter((e) => waiting.has(e.providerMessageId));
          if (events.length > 0) await options.capabilities.ingest(events);
        }
        if (page.length < PAGE) {
          afterId = 0;
          return;
        }
        afterId = page[page.length - 1]!.id;
      }
    },
  };
}

/** Messages by the request that carried them (the part of providerMessageId before '#'). */
function byRequest(page: readonly AwaitingReport[]): Map<string, AwaitingReport[]> {
  const groups = new Map<string, AwaitingReport[]>();
  for (const m of page) {
    const requestId = m.providerMessageId.split('#')[0]!;
    const group = groups.get(requestId) ?? [];
    group.push(m);
    groups.set(requestId, group);
  }
  return groups;
}

function parsePage(text: string): { items: unknown[]; next?: string } {
  try {
    const parsed = JSON.parse(text) as { items?: unknown; paging?: { next?: unknown } };
    const items = Array.isArray(parsed.items) ? (parsed.items as unknown[]) : [];
    const next = typeof parsed.paging?.next === 'string' ? parsed.paging.next : undefined;
    return { items, ...(next ? { next } : {}) };
  } catch {
    return { items: [] };
  }
}
