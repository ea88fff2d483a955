// The port through which Crier hands messages on and hears back from providers. The sending
// engine, the webhook route and the config loader see only these interfaces; each provider is a
// folder of its own (its settings, sending, failure mapping, webhooks, periodic tasks) named once
// in registry.ts. A provider gets the capabilities it needs (ProviderCapabilities), never the store.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { DeliveryEvent } from '../domain/delivery.js';
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
  /** Sustained messages per second across all workers (Infinity: no limit of its own). */
  messagesPerSecond: number;
  /** Requests in flight at once per worker. */
  maxConcurrentRequests: number;
  /** Where `messagesPerSecond` comes from, for the operator: "Twilio toll-free number: 3 SMS/s". */
  rateNote?: string;
  /** How long the provider keeps trying a message before it drops it (Twilio's ValidityPeriod). */
  validityMs?: number;
}

/** A periodic job a sender runs beside sending; each run idempotent (any number of workers run it). */
export interface PeriodicTask {
  name: string;
  everyMs: number;
  run(now: number): Promise<void>;
}

/** A webhook call as the provider made it: the bytes as received, for signatures over them. */
export interface WebhookRequest {
  rawBody: Buffer;
  /** Lower-case names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The URL the provider called as the world sees it (CRIER_PUBLIC_URL + path + query string). */
  url: string;
  now: number;
}

export type WebhookVerdict =
  | {
      ok: true;
      events: DeliveryEvent[];
      /** The answer's body when the provider expects one (TwiML); else an empty 200. */
      reply?: { contentType: string; body: string };
      /**
       * Undoes what verifying recorded (a replay token) when the events could not be stored, so
       * the provider's retry of the same call is accepted instead of refused as a replay.
       */
      undo?: () => Promise<void>;
    }
  /** 401: no or unknown signature; 403: a signature that does not verify, a replay, too old. Nothing is stored. */
  | { ok: false; status: 400 | 401 | 403; reason: string };

export interface WebhookEndpoint {
  /** The path under /webhooks/: `sendgrid`, `twilio/status`. */
  path: string;
  /** Verifies, then parses. Never throws on a provider's input: a bad call is a verdict. */
  handle(request: WebhookRequest): Promise<WebhookVerdict>;
}

export interface ProviderCheck {
  /** Whether the credentials work (a harmless authenticated call, SMTP's verify). */
  ok: boolean;
  /** What was tried and what it answered, with no secret in it. */
  detail: string;
}

export interface Provider {
  /** `sandbox`, `smtp`, `sendgrid`, `mailgun`, `twilio`: kept on each message it sent. */
  readonly name: string;
  readonly channels: readonly Channel[];
  readonly limits: ProviderLimits;
  /** Hands a batch over; one outcome per message, in any order. Throws only on programming errors. */
  send(batch: readonly Outgoing[], signal?: AbortSignal): Promise<Outcome[]>;
  /** The webhooks it receives; each verifies before anything is stored. */
  readonly webhooks?: readonly WebhookEndpoint[];
  /** Jobs the sender runs for it (the sandbox's reports, polling for missing reports). */
  tasks?(): PeriodicTask[];
  /** Whether its credentials work, by a call that sends nothing. */
  check?(): Promise<ProviderCheck>;
  close?(): Promise<void>;
}

/** What the sandbox keeps of a message it accepted, with the report it plans. */
export interface SandboxMessage {
  provider_message_id: string;
  crier_id: string;
  channel: Channel;
  to_address: string;
  subject: string | null;
  body: string;
  html: string | null;
  headers: string;
  created_at: number;
  report_kind: 'delivered' | 'bounced' | 'failed';
  report_reason: string | null;
  report_due_at: number;
}

export interface DueSandboxReport {
  id: number;
  provider_message_id: string;
  channel: string;
  to_address: string;
  report_kind: SandboxMessage['report_kind'];
  report_reason: string | null;
  report_due_at: number;
}

/** The sandbox's outbox table. */
export interface SandboxOutbox {
  insert(rows: readonly SandboxMessage[]): Promise<void>;
  /** Due plans, oldest first, taken for a while so workers report disjoint ones. */
  takeDue(now: number, limit: number): Promise<DueSandboxReport[]>;
  markReported(ids: readonly number[], now: number): Promise<void>;
}

/** A message a provider accepted that has no final report yet. */
export interface AwaitingReport {
  id: number;
  providerMessageId: string;
  address: string | null;
  sentAt: number;
}

/** What a provider may use beyond its own settings: narrow, each one thing. */
export interface ProviderCapabilities {
  /** The one delivery intake (the same path as every webhook); for periodic tasks. */
  ingest(events: DeliveryEvent[]): Promise<unknown>;
  /** Replay protection: true the first time `token` is seen for this provider (remembered until `expiresAt`). */
  firstUse(provider: string, token: string, expiresAt: number, now: number): Promise<boolean>;
  /** Forgets a token `firstUse` took (its call's events could not be stored). */
  forget(provider: string, token: string): Promise<void>;
  /** Messages of `provider` sent in [sentAfter, sentBefore) still without a final report, by id after `afterId`. */
  awaitingReport(provider: string, range: { sentAfter: number; sentBefore: number; afterId: number; limit: number }): Promise<AwaitingReport[]>;
  sandbox: SandboxOutbox;
}

export interface ProviderContext<S> {
  /** This provider's settings, validated by the config loader. */
  settings: S;
  /** CRIER_PUBLIC_URL, without a trailing slash: webhook URLs, Twilio's StatusCallback. */
  publicUrl: string;
  /** The channels this provider was chosen for. */
  channels: readonly Channel[];
  capabilities: ProviderCapabilities;
  logger: Logger;
  now: () => number;
}

export interface SettingProblem {
  setting: string;
  message: string;
}

/**
 * Everything the rest of Crier knows of a provider. `settings` names each of its settings as
 * the environment does (all optional or defaulted there: they are validated whether or not the
 * provider is chosen); `requires` says what must be set once it is chosen.
 */
export interface ProviderDefinition<Schema extends z.ZodObject = z.ZodObject> {
  name: string;
  channels: readonly Channel[];
  settings: Schema;
  /** Setting names whose values are never printed, logged or answered. */
  secrets: readonly string[];
  requires?(settings: z.output<Schema>): SettingProblem[];
  /** The URL path(s) to paste into the provider's console, under CRIER_PUBLIC_URL. */
  webhookPaths?: readonly string[];
  create(context: ProviderContext<z.output<Schema>>): Provider;
}

/** Keeps a definition's settings type while listing it among others. */
export function defineProvider<Schema extends z.ZodObject>(definition: ProviderDefinition<Schema>): ProviderDefinition {
  return definition as unknown as ProviderDefinition;
}

/**
 * CRIER_WEBHOOK_MAX_AGE_SECONDS, shared by every provider whose webhooks carry a signed
 * timestamp: an older call is refused (403) and nothing is stored. Declare it in a provider's
 * settings with this schema (the same key in two providers is one setting).
 */
export const WEBHOOK_MAX_AGE_SECONDS = z.coerce.number().int().positive().default(600);
