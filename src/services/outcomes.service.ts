// The outcome of a communication (DESIGN.md §4): account delivery status, send failures, the
// accounts that received nothing, their CSV exports, and the resend that builds a new draft
// from them. Pages are keyset pages (an opaque cursor from the last row); exports stream a page
// at a time, so neither the server nor the command line ever holds a whole export.
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { CrierError } from '../domain/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/outcomes.js';
import type { SqlExec } from '../store/engine/sql-exec.js';
import {
  awaitingReportsCount,
  DELIVERY_STATES,
  deliveryPage,
  failuresPage,
  MESSAGE_TYPES,
  outcomeSamples,
  type DeliveryFilter,
  type DeliveryRow,
  type FailureCursor,
  type FailureRow,
} from '../store/outcomes.queries.js';
import { countsOf } from '../store/engine/counts.sql.js';
import { communicationStatus } from '../store/recipients.queries.js';
import { createResendDraft } from '../store/resend.queries.js';
import type { Store } from '../store/store.js';
import { notFound, type CommunicationsService, type CommunicationView } from './communications.service.js';
import { parseOrThrow } from './content-input.js';
import { decodeCursor, encodeCursor } from './outcomes-cursor.js';
import { deliveriesCsv, failuresCsv, nameOf, receivedNothingCsv, type CsvOptions } from './outcomes-csv.js';

export interface DeliveryItem {
  id: number;
  /** The account's UUID. */
  accountId: string;
  accountName: string | null;
  type: string;
  sentAt: string | null;
  status: string;
  /** The provider's reason, for a failed delivery; null otherwise. */
  error: string | null;
}

export interface FailureItem {
  id: number;
  accountId: string;
  accountName: string | null;
  /** The account's line in the recipients CSV. */
  line: number | null;
  type: string;
  errorCode: string | null;
  error: string | null;
  /** None of the account's messages of this communication reached sent. */
  receivedNothing: boolean;
}

/** The outcome counts of a communication at one moment. */
export interface OutcomePoint {
  at: string;
  /** Handed to providers so far. */
  sent: number;
  delivered: number;
  deliveryErrors: number;
}

export interface Timeline {
  /** The progress samples kept (the last ten minutes of the send, one every few seconds), then the counts now. */
  points: OutcomePoint[];
}

export interface CursorPage<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Present when the page was asked for by number (`page=`). */
  page?: number;
}

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE };

const deliveriesQuery = z.object({
  type: z.enum(MESSAGE_TYPES).optional(),
  status: z.enum(DELIVERY_STATES).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  page: z.coerce.number().int().min(1).optional(),
});

const failuresQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});

const resendInput = z.object({ scope: z.enum(['received-nothing', 'all-failures']) });

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function toDeliveryItem(r: DeliveryRow): DeliveryItem {
  return {
    id: Number(r.id),
    accountId: r.account_uuid,
    accountName: nameOf(r.first_name, r.last_name),
    type: r.channel,
    sentAt: iso(r.sent_at),
    status: r.delivery_state,
    error: r.delivery_state === 'failed' ? r.delivery_error : null,
  };
}

export function toFailureItem(r: FailureRow): FailureItem {
  return {
    id: Number(r.id),
    accountId: r.account_uuid,
    accountName: nameOf(r.first_name, r.last_name),
    line: r.line === null ? null : Number(r.line),
    type: r.channel,
    errorCode: r.error_code,
    error: r.error_message,
    receivedNothing: Number(r.received_nothing) === 1,
  };
}

export class OutcomesService {
  constructor(
    private readonly deps: {
      store: Store;
      exec: SqlExec;
      communications: CommunicationsService;
      now?: () => number;
    },
  ) {}

  /** Sent messages, filtered by type and delivery state; by cursor, or by page number (offset: slower on deep pages). */
  async deliveries(id: number, query: unknown): Promise<CursorPage<DeliveryItem>> {
    const q = parseOrThrow(deliveriesQuery, query, 'query');
    if (q.page !== undefined && q.cursor !== undefined) {
      throw new CrierError('bad_request', 'Give either cursor or page, not both', { field: 'page' });
    }
    await this.assertExists(id);
    const afterId = q.cursor === undefined ? 0 : decodeCursor(q.cursor, 'd')[0]!;
    const offset = q.page === undefined ? undefined : (q.page - 1) * q.limit;
    // One row more than asked says whether another page follows.
    const rows = await deliveryPage(this.deps.exec, id, { type: q.type, status: q.status }, { afterId, offset }, q.limit + 1);
    const items = rows.slice(0, q.limit).map(toDeliveryItem);
    const nextCursor = rows.length > q.limit ? encodeCursor('d', [items[items.length - 1]!.id]) : null;
    return q.page === undefined ? { items, nextCursor } : { items, nextCursor, page: q.page };
  }

  /** Messages that could not be sent, by account; each marked when its account received nothing. */
  async failures(id: number, query: unknown): Promise<CursorPage<FailureItem>> {
    const q = parseOrThrow(failuresQuery, query, 'query');
    await this.assertExists(id);
    const [accountId, messageId] = q.cursor === undefined ? [0, 0] : decodeCursor(q.cursor, 'f', 2);
    const after: FailureCursor = { accountId: accountId!, id: messageId! };
    const rows = await failuresPage(this.deps.exec, id, after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toFailureItem),
      nextCursor: rows.length > q.limit && last ? encodeCursor('f', [Number(last.account_id), Number(last.id)]) : null,
    };
  }

  /** Sent messages whose delivery report has not come yet (a report comes after Completed). */
  async awaitingReports(id: number): Promise<number> {
    await this.assertExists(id);
    return awaitingReportsCount(this.deps.exec, id);
  }

  /** Delivery outcomes over time: the progress samples kept, oldest first, and the counts now. */
  async timeline(id: number): Promise<Timeline> {
    await this.assertExists(id);
    const samples = await outcomeSamples(this.deps.store.db, id);
    const now = (await countsOf(this.deps.exec, [id])).get(id)!;
    const points = samples.map((s) => ({ at: iso(s.at)!, sent: s.sent, delivered: s.delivered, deliveryErrors: s.delivery_errors }));
    points.push({ at: iso(this.deps.now?.() ?? Date.now())!, sent: now.sent, delivered: now.delivered, deliveryErrors: now.deliveryErrors });
    return { points };
  }

  /** The deliveries as CSV chunks (checked before the first chunk, so a bad id is a clean 404). */
  async deliveriesCsv(id: number, filter: unknown, options: CsvOptions = {}): Promise<AsyncGenerator<string>> {
    const q = parseOrThrow(deliveriesQuery.pick({ type: true, status: true }), filter, 'query');
    await this.assertExists(id);
    return deliveriesCsv(this.deps.exec, id, q satisfies DeliveryFilter, options);
  }

  async failuresCsv(id: number, options: CsvOptions = {}): Promise<AsyncGenerator<string>> {
    await this.assertExists(id);
    return failuresCsv(this.deps.exec, id, options);
  }

  /** The accounts that received nothing, as a recipients CSV (`account_uuid`) ready to upload. */
  async receivedNothingCsv(id: number, options: CsvOptions = {}): Promise<AsyncGenerator<string>> {
    await this.assertExists(id);
    return receivedNothingCsv(this.deps.exec, id, options);
  }

  /** A new draft with the same content, for the accounts that received nothing (or every failed one). */
  async resend(id: number, input: unknown, actor: Actor): Promise<CommunicationView> {
    const { scope } = parseOrThrow(resendInput, input, 'resend');
    const result = await createResendDraft(this.deps.exec, id, scope, actor, this.deps.now?.() ?? Date.now());
    switch (result.kind) {
      case 'not_found':
        throw notFound(id);
      case 'draft':
        throw new CrierError('invalid_transition', `Communication ${id} is a draft: it has no failures to resend`, { id, status: 'draft' });
      case 'nobody':
        throw new CrierError(
          'conflict',
          `Communication ${id} has no ${scope === 'received-nothing' ? 'account that received nothing' : 'send failure or delivery error'}: there is nobody to resend to`,
          { id, scope },
        );
      case 'created':
        return this.deps.communications.get(result.id);
    }
  }

  private async assertExists(id: number): Promise<void> {
    if ((await communicationStatus(this.deps.store.db, id)) === undefined) throw notFound(id);
  }
}
