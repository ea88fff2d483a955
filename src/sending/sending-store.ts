// The sending engine's one face onto the database, as listmonk's manager has its DataSource:
// every statement the engine runs — Send and Cancel, the expansion, claims, outcomes, leases,
// rate-limit buckets, delivery events, suppressions — is behind this interface, implemented one
// concern a file in src/store/engine/ (sending-store.ts there puts them together). The engine
// sees no SQL, no connection and no dialect. Each method is one short transaction (or one
// statement): network I/O never happens inside one.
import type { Content, RenderAccount } from '../content/content.js';
import type { Actor } from '../domain/actor.js';
import type { DeliveryEvent, SuppressionReason } from '../domain/delivery.js';
import type { Channel } from '../providers/provider.js';

/** A message a worker claimed: handing over, under its lease. */
export interface ClaimedMessage {
  id: number;
  communication_id: number;
  account_id: number;
  channel: Channel;
  language: string;
  address: string;
  attempts: number;
}

/** What became of one claimed message. */
export type RecordedOutcome =
  | { id: number; communicationId: number; kind: 'sent'; providerMessageId: string }
  | { id: number; communicationId: number; kind: 'failed'; code: string; message: string }
  | { id: number; communicationId: number; kind: 'retry'; nextAttemptAt: number; refundAttempt: boolean; code: string; message: string }
  /** Claimed, then found cancelled before it was handed over: it never was. */
  | { id: number; communicationId: number; kind: 'stopped' };

/** What the expansion needs to know of the content. */
export interface ExpansionContent {
  defaultLanguage: string;
  /** Languages with content, per channel; null when the channel has no content. */
  email: readonly string[] | null;
  sms: readonly string[] | null;
}

export type ChooseLanguage = (accountLanguage: string | null, available: readonly string[], fallback: string) => string;

export interface ChunkResult {
  done: boolean;
  /** Another worker is expanding this communication: leave it to that one for now. */
  busy?: boolean;
  queued: number;
  failed: number;
}

/** What a sender's circuit breaker says of its provider on one channel (the API shows it). */
export interface ProviderHealthReport {
  /** The sender reporting (Dispatcher.workerId). */
  worker: string;
  provider: string;
  channel: Channel;
  state: 'closed' | 'open';
  reason: string | null;
  /** Since when the breaker has been in this state (or the sender's start). */
  since: number;
}

/** Send, Cancel, and what follows each: the expansion into messages, and stopping what was queued. */
export interface LaunchStore {
  /** Draft → In Progress (with the audit row), if the draft is still at `version`. */
  start(id: number, version: number, actor: Actor, now: number): Promise<boolean>;
  /**
   * In Progress → Cancelled (with the audit row): from this commit on no message of it is
   * claimed. Its queued messages become cancelled afterwards, a chunk at a time (stopQueued), so
   * Cancel takes the same short time whatever the size of the communication.
   */
  cancel(id: number, actor: Actor, now: number): Promise<boolean>;
  /** In-progress communications whose recipients are not all expanded yet. */
  pendingExpansions(): Promise<number[]>;
  /** Expands the next chunk of recipients into messages, in one transaction with the cursor. */
  expandChunk(id: number, content: ExpansionContent, choose: ChooseLanguage, chunkSize: number, now: number): Promise<ChunkResult>;
  /** Completes the communication if nothing is left to send (after its expansion ends). */
  completeIfFinished(id: number, now: number): Promise<boolean>;
  /** Cancelled communications whose queued messages are not all stopped yet. */
  stopping(): Promise<number[]>;
  /** Up to `limit` queued messages → cancelled, with the counter; when none are left the communication is marked done. */
  stopQueued(id: number, limit: number): Promise<{ stopped: number; done: boolean }>;
}

/** Claim, hand-over bookkeeping and recording. */
export interface DispatchStore {
  /** Queued, due messages of a channel of communications in progress → handing over under a lease. */
  claim(channel: Channel, owner: string, limit: number, now: number, leaseMs: number): Promise<ClaimedMessage[]>;
  /** Which of these communications are no longer in progress (read after a claim committed). */
  notInProgress(ids: readonly number[]): Promise<Set<number>>;
  /** Records a claimed batch's outcomes with the counters; returns the communications it completed. */
  record(owner: string, provider: string, outcomes: readonly RecordedOutcome[], now: number): Promise<number[]>;
  /** Expired leases back to the queue (or cancelled); returns how many. */
  reapExpiredLeases(now: number): Promise<number>;
  /**
   * Completes the communications in progress that have nothing left to send (the worker that
   * recorded their last messages completes them at once; this catches one that died before).
   */
  completeSettled(now: number): Promise<number[]>;
  /** A sample of the sent count, from which the API reads the send rate. */
  sampleProgress(id: number, now: number): Promise<void>;
  /** Why in-progress communications are waiting (the circuit breaker's reason). */
  setWaitReason(reason: string | null): Promise<void>;
  /** This sender's breaker state for a channel: on open, on close, at start and now and then while alive. */
  setProviderHealth(report: ProviderHealthReport, now: number): Promise<void>;
  /** The accounts of a claimed batch, as merge tags read them. */
  accountsForRender(ids: readonly number[]): Promise<Map<number, RenderAccount>>;
  /** A communication's name and content, once it is sent (never changes after). */
  content(id: number): Promise<{ name: string; content: Content } | null>;
}

/** A provider's token bucket, shared by every worker. */
export interface RateLimitStore {
  /** Takes `count` tokens when any are left (the bucket may go into debt); else answers how long to wait. */
  take(provider: string, count: number, perSecond: number, now: number): Promise<number>;
}

export type EventResult = 'applied' | 'duplicate' | 'unknown';

/**
 * Makes the payloads of these events readable before they are stored. Events that came from
 * another thread may carry some of their payloads only on request (intake-wire.ts).
 */
export type PayloadLoader = (events: readonly DeliveryEvent[]) => Promise<void>;

/** Delivery events: stored once each, applied in the fixed precedence. */
export interface DeliveryStore {
  /** Stores and applies a batch of events in one transaction; what became of each, in order. */
  ingest(events: readonly DeliveryEvent[], now: number, load?: PayloadLoader): Promise<EventResult[]>;
  /** Stored events without their message whose message is now known (received since `since`). */
  matchableEventIds(since: number, limit: number): Promise<number[]>;
  /** Links those events to their messages and applies them, in one transaction. */
  applyMatched(ids: readonly number[], now: number): Promise<number>;
  /** Up to `limit` messages sent before `sentBefore` still awaiting a report → no report. */
  markNoReport(sentBefore: number, limit: number, now: number): Promise<number>;
}

export interface NewSuppression {
  channel: Channel;
  address: string;
  reason: SuppressionReason;
  /** Where it came from: `sandbox:<event key>`, `unsubscribe-link:message 42`. */
  source: string;
}

export interface SuppressionStore {
  /** Suppresses an address unless it already is (with the audit row); whether it was added. */
  add(s: NewSuppression, actor: Actor, now: number): Promise<boolean>;
  /** The channel, address and language of a message (for unsubscribe links). */
  messageAddress(id: number): Promise<{ channel: string; address: string | null; language: string | null } | null>;
}

export interface SendingStore {
  launch: LaunchStore;
  dispatch: DispatchStore;
  rateLimit: RateLimitStore;
  delivery: DeliveryStore;
  suppressions: SuppressionStore;
}
