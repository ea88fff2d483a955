// The port through which Crier hands messages on. The sending engine sees only this interface;
// each provider lives in a folder of its own and is named once in registry.ts.
import type { ProviderFailure } from '../domain/failure.js';

export type Channel = 'email' | 'sms';

export interface OutgoingEmail {
  channel: 'email';
  /** Crier's id of the message (or of the test send): echoed back in outcomes and provider metadata. */
  id: string;
  to: string;
  from: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers (List-Unsubscribe, X-Crier-Test, …). */
  headers: Record<string, string>;
}

export interface OutgoingSms {
  channel: 'sms';
  id: string;
  to: string;
  body: string;
}

export type Outgoing = OutgoingEmail | OutgoingSms;

export type { FailureKind, ProviderFailure } from '../domain/failure.js';

export type Outcome =
  | { id: string; ok: true; providerMessageId: string }
  | { id: string; ok: false; failure: ProviderFailure };

export interface ProviderLimits {
  /** Messages one request may carry (1 for one-per-request APIs). */
  maxBatchSize: number;
  /** Sustained messages per second across all workers. */
  messagesPerSecond: number;
  /** Requests in flight at once per worker. */
  maxConcurrentRequests: number;
}

export interface Provider {
  /** `sandbox`, `smtp`, `sendgrid`, `mailgun`, `twilio`: kept on each message it sent. */
  readonly name: string;
  readonly channels: readonly Channel[];
  readonly limits: ProviderLimits;
  /** Hands a batch over; one outcome per message, in any order. Throws only on programming errors. */
  send(batch: readonly Outgoing[], signal?: AbortSignal): Promise<Outcome[]>;
  close?(): Promise<void>;
}
