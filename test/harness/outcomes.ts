// A finished communication with message rows in exactly the states a test needs, written
// directly (no provider), and the expectations the outcome views must meet, derived from the
// same plan so the two cannot drift apart.
import type { App } from '../../src/app.js';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import { uuidFor } from './accounts.js';

export type PlannedState = 'send_failed' | 'cancelled' | 'queued' | 'delivered' | 'failed' | 'in_progress' | 'no_report';

export interface PlannedMessage {
  account: number;
  channel: 'email' | 'sms';
  state: PlannedState;
}

export interface SeededMessage extends PlannedMessage {
  id: number;
  uuid: string;
}

export interface Seeded {
  communicationId: number;
  messages: SeededMessage[];
  /** The recipients CSV line of each account number. */
  lines: Map<number, number>;
  receivedNothing(account: number): boolean;
}

/** Names that a spreadsheet would run as formulas, so exports must defuse them. */
export const HOSTILE_FIRST_NAME = '=1+1';
export const HOSTILE_LAST_NAME = '@cmd';

/**
 * The default plan: `count` accounts; each gets an email, the even ones also an SMS, in id
 * order email then SMS per account (as the expansion writes them). States cycle so that every
 * view has rows and some accounts have a failed email but a sent SMS.
 */
export function defaultPlan(count: number, from: number): PlannedMessage[] {
  const plan: PlannedMessage[] = [];
  const delivery: PlannedState[] = ['delivered', 'failed', 'in_progress', 'no_report'];
  for (let k = 0; k < count; k++) {
    const account = from + k;
    plan.push({ account, channel: 'email', state: k % 5 === 0 ? 'send_failed' : delivery[k % 4]! });
    if (k % 2 === 0) plan.push({ account, channel: 'sms', state: k % 3 === 0 ? 'send_failed' : 'delivered' });
  }
  return plan;
}

export async function seedOutcome(
  app: App,
  plan: readonly PlannedMessage[],
  options: { status?: string; name?: string; now?: number } = {},
): Promise<Seeded> {
  const now = options.now ?? Date.UTC(2030, 0, 1, 9, 0, 0);
  const accounts = [...new Set(plan.map((m) => m.account))];
  const csv = ['uuid,first_name,last_name,email,phone'];
  for (const n of accounts) {
    const [first, last] = n % 7 === 0 ? [HOSTILE_FIRST_NAME, HOSTILE_LAST_NAME] : [`First${n}`, `Last${n}`];
    csv.push(`${uuidFor(n)},${first},${last},u${n}@example.com,+1514${String(3_000_000 + n)}`);
  }
  await app.accounts.import([csv.join('\n') + '\n'], { actor: CLI_ACTOR });
  const db = app.store.db;
  const rows = await db.selectFrom('accounts').select(['id', 'uuid']).where('uuid', 'in', accounts.map(uuidFor)).execute();
  const idOf = new Map(rows.map((r) => [r.uuid, Number(r.id)]));
  const communication = await db
    .insertInto('communications')
    .values({
      name: options.name ?? 'Seeded outcome',
      status: options.status ?? 'failed',
      step: 'review',
      default_language: 'en',
      email: JSON.stringify({ en: { subject: 'S', html: '<p>H</p>', text: 'T' } }),
      sms: JSON.stringify({ en: { body: 'B' } }),
      created_at: now,
      updated_at: now,
      send_started_at: now,
      recipients_count: accounts.length,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const communicationId = Number(communication.id);
  // Lines deliberately not in account order: the views must report the CSV's own line.
  const lines = new Map(accounts.map((n, i) => [n, accounts.length - i + 1]));
  await db
    .insertInto('recipients')
    .values(accounts.map((n) => ({ communication_id: communicationId, account_id: idOf.get(uuidFor(n))!, line: lines.get(n)! })))
    .execute();

  const messages: SeededMessage[] = [];
  for (const m of plan) {
    const sent = !['send_failed', 'cancelled', 'queued'].includes(m.state);
    const row = await db
      .insertInto('messages')
      .values({
        communication_id: communicationId,
        account_id: idOf.get(uuidFor(m.account))!,
        channel: m.channel,
        language: 'en',
        address: m.channel === 'email' ? `u${m.account}@example.com` : `+1514${3_000_000 + m.account}`,
        send_state: sent ? 'sent' : m.state,
        delivery_state: sent ? m.state : null,
        next_attempt_at: now,
        provider: sent || m.state === 'send_failed' ? 'sandbox' : null,
        sent_at: sent ? now + messages.length : null,
        error_code: m.state === 'send_failed' ? 'rejected' : null,
        error_message: m.state === 'send_failed' ? `=HYPERLINK("x") ${m.channel} rejected` : null,
        delivery_error: m.state === 'failed' ? '@SUM(1) mailbox unavailable' : null,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    messages.push({ ...m, id: Number(row.id), uuid: uuidFor(m.account) });
  }
  const count = (f: (m: PlannedMessage) => boolean) => plan.filter(f).length;
  await db.updateTable('communications').set({ expansion_done: 1 }).where('id', '=', communicationId).execute();
  await db
    .insertInto('communication_counts')
    .values({
      communication_id: communicationId,
      shard: 0,
      messages_total: plan.length,
      messages_sent: count((m) => !['send_failed', 'cancelled', 'queued'].includes(m.state)),
      messages_send_failed: count((m) => m.state === 'send_failed'),
      messages_cancelled: count((m) => m.state === 'cancelled'),
      messages_delivered: count((m) => m.state === 'delivered'),
      delivery_errors: count((m) => m.state === 'failed'),
    })
    .execute();
  const sentStates = new Set<PlannedState>(['delivered', 'failed', 'in_progress', 'no_report']);
  return {
    communicationId,
    messages,
    lines,
    receivedNothing: (account) => !plan.some((m) => m.account === account && sentStates.has(m.state)),
  };
}
