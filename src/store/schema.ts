// Row types of every table, as Kysely sees them. Timestamps are epoch milliseconds (bigint in
// PostgreSQL, parsed to number; integer in SQLite); flags are 0/1 integers on both dialects so
// one set of queries serves both. JSON documents are stored as text.
import type { Generated } from 'kysely';

export interface AccountsTable {
  id: Generated<number>;
  uuid: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
  timezone: string | null;
  email_consent: number;
  sms_consent: number;
  /** JSON object of free attributes (service area, plan, …), usable as merge tags. */
  attributes: string;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  first_name: string;
  last_name: string;
  role: string;
  password_hash: string | null;
  failed_logins: Generated<number>;
  locked_until: number | null;
  disabled_at: number | null;
  last_sign_in_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SetupTokensTable {
  id: Generated<number>;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** Wrong passwords in a row under one key (`account:<email>` or `address:<ip>`) and the wait they impose. */
export interface SignInThrottleTable {
  key: string;
  failures: number;
  /** Attempts before this time are refused unchecked; 0 when none must wait. */
  blocked_until: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface TemplatesTable {
  id: Generated<number>;
  name: string;
  default_language: string;
  /** JSON: { LANG: { subject, html, text } } or null when the template has no email. */
  email: string | null;
  /** JSON: { LANG: { body } } or null when the template has no SMS. */
  sms: string | null;
  version: Generated<number>;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export interface CommunicationsTable {
  id: Generated<number>;
  name: string;
  status: Generated<string>;
  step: Generated<string>;
  version: Generated<number>;
  template_id: number | null;
  default_language: string;
  email: string | null;
  sms: string | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
  sent_by: number | null;
  send_started_at: number | null;
  finished_at: number | null;
  cancelled_by: number | null;
  recipients_count: Generated<number>;
  /** Highest recipient id already expanded into messages: a restarted launch resumes after it. */
  expansion_cursor: Generated<number>;
  expansion_done: Generated<number>;
  /** Why sending is paused (e.g. provider circuit open), shown to the operator. */
  wait_reason: string | null;
  /** 1 after Cancel until every queued message of it is stopped (migration 0009). */
  stop_pending: Generated<number>;
}

export interface RecipientsTable {
  id: Generated<number>;
  communication_id: number;
  line: number;
  account_id: number;
}

/** A row of a recipients upload that was not accepted, kept for download. */
export interface RecipientRejectionsTable {
  id: Generated<number>;
  communication_id: number;
  line: number;
  value: string;
  reason: string;
  detail: string;
}

export interface MessagesTable {
  id: Generated<number>;
  communication_id: number;
  account_id: number;
  channel: string;
  language: string | null;
  address: string | null;
  send_state: string;
  delivery_state: string | null;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  provider: string | null;
  provider_message_id: string | null;
  sent_at: number | null;
  error_code: string | null;
  error_message: string | null;
  delivery_error: string | null;
  delivery_updated_at: number | null;
  /** No longer written (migration 0016 says why); older rows may still hold a report's key. */
  report_event_key: Generated<string | null>;
  created_at: number;
}

export interface DeliveryEventsTable {
  id: Generated<number>;
  provider: string;
  /** Deterministic id of the event (the provider's, or a hash of its content): stored once. */
  event_key: string;
  message_id: number | null;
  provider_message_id: string | null;
  type: string;
  occurred_at: number;
  received_at: number;
  payload: string;
  /** The provider's reason (bounce text, carrier error). */
  reason: string | null;
  hard_bounce: Generated<number>;
  /** The phone number of an SMS STOP, which names no message. */
  address: string | null;
}

export interface SuppressionsTable {
  id: Generated<number>;
  channel: string;
  address: string;
  reason: string;
  source: string | null;
  created_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_user_id: number | null;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  summary: string;
  details: string | null;
}

export interface SandboxMessagesTable {
  id: Generated<number>;
  provider_message_id: string;
  /** The id Crier gave the message: a message id, or `test-…` for a test send. */
  crier_id: string;
  channel: string;
  to_address: string;
  subject: string | null;
  /** Email text part or SMS body. */
  body: string;
  html: string | null;
  headers: string;
  created_at: number;
  /** The report the sandbox will make: delivered, bounced (a hard bounce) or failed. */
  report_kind: string | null;
  report_reason: string | null;
  report_due_at: number | null;
  reported_at: number | null;
}

export interface ProviderBucketsTable {
  provider: string;
  tokens: number;
  refilled_at: number;
}

/** A sender's circuit breaker, per channel, as it last reported it (migration 0012). */
export interface ProviderHealthTable {
  /** The sender (Dispatcher.workerId). */
  worker: string;
  channel: string;
  provider: string;
  state: 'closed' | 'open';
  reason: string | null;
  /** Since when the breaker has been in this state (or the sender's start). */
  since: number;
  /** The sender's last report: it refreshes the row now and then while it runs. */
  reported_at: number;
}

export interface SendProgressTable {
  communication_id: number;
  at: number;
  sent: number;
  /** Delivered and delivery errors at that moment (migration 0017; 0 in older samples). */
  delivered: Generated<number>;
  delivery_errors: Generated<number>;
}

export interface CrierSecretsTable {
  name: string;
  value: string;
}

/**
 * A communication's counters, in shards (migration 0010): a communication's counts are the sums
 * of its rows. Each transaction adds its changes to one row picked at random.
 */
export interface CommunicationCountsTable {
  communication_id: number;
  shard: number;
  messages_total: Generated<number>;
  messages_sent: Generated<number>;
  messages_send_failed: Generated<number>;
  messages_cancelled: Generated<number>;
  messages_delivered: Generated<number>;
  delivery_errors: Generated<number>;
}

/** Each delivery event's key, once: the intake's dedupe (the events worth reading are in delivery_events). */
export interface DeliveryEventKeysTable {
  provider: string;
  event_key: string;
}

export interface Database {
  accounts: AccountsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  sign_in_throttle: SignInThrottleTable;
  setup_tokens: SetupTokensTable;
  templates: TemplatesTable;
  communications: CommunicationsTable;
  communication_counts: CommunicationCountsTable;
  recipients: RecipientsTable;
  recipient_rejections: RecipientRejectionsTable;
  messages: MessagesTable;
  delivery_events: DeliveryEventsTable;
  delivery_event_keys: DeliveryEventKeysTable;
  suppressions: SuppressionsTable;
  audit_log: AuditLogTable;
  sandbox_messages: SandboxMessagesTable;
  provider_buckets: ProviderBucketsTable;
  provider_health: ProviderHealthTable;
  send_progress: SendProgressTable;
  crier_secrets: CrierSecretsTable;
}
