// Communications ready to send, and the checks every sending test makes.
import type { App } from '../../src/app.js';
import type { Content } from '../../src/content/content.js';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import { uuidFor } from './accounts.js';

export const SIMPLE_CONTENT: Content = {
  defaultLanguage: 'en',
  email: { en: { subject: 'Notice for {{ account.first_name }}', html: '<p>Hello {{ account.first_name }}</p>', text: 'Hello {{ account.first_name }}' } },
  sms: null,
};

let serial = 0;

/**
 * Imports `count` accounts (email and phone each) and makes a draft with them all as recipients.
 * `from` keeps the accounts of different tests apart.
 */
export async function readyDraft(app: App, count: number, options: { content?: Content; from?: number; csvRows?: string[] } = {}): Promise<number> {
  const from = options.from ?? 1_000_000 * ++serial;
  const lines = ['uuid,first_name,email,phone'];
  for (let i = from; i < from + count; i++) lines.push(`${uuidFor(i)},F${i},u${i}@example.com,+1514${String(2_000_000 + (i % 7_000_000))}`);
  lines.push(...(options.csvRows ?? []));
  await app.accounts.import([lines.join('\n') + '\n'], { actor: CLI_ACTOR });
  const draft = await app.communications.create({ name: `Test send ${from}` }, CLI_ACTOR);
  await app.communications.update(draft.id, { version: draft.version, content: options.content ?? SIMPLE_CONTENT }, CLI_ACTOR);
  const uuids = lines.slice(1).map((l) => l.split(',')[0]!);
  const db = app.store.db;
  for (let i = 0; i < uuids.length; i += 1000) {
    const accounts = await db.selectFrom('accounts').select('id').where('uuid', 'in', uuids.slice(i, i + 1000)).orderBy('id').execute();
    await db.insertInto('recipients').values(accounts.map((a, j) => ({ communication_id: draft.id, account_id: a.id, line: i + j + 2 }))).execute();
  }
  await db.updateTable('communications').set({ recipients_count: uuids.length }).where('id', '=', draft.id).execute();
  return draft.id;
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function waitForFinish(app: App, id: number, timeoutMs = 30_000): Promise<string> {
  return waitFor(async () => {
    const { status } = await app.communications.get(id);
    return status === 'in_progress' ? undefined : status;
  }, timeoutMs, `communication ${id} to finish`);
}

/** The counters as the message rows say they should be. */
export async function recount(app: App, id: number) {
  const rows = await app.store.db
    .selectFrom('messages')
    .select(['send_state', 'delivery_state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('communication_id', '=', id)
    .groupBy(['send_state', 'delivery_state'])
    .execute();
  const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).reduce((s, r) => s + Number(r.n), 0);
  return {
    total: count(() => true),
    sent: count((r) => r.send_state === 'sent'),
    sendFailed: count((r) => r.send_state === 'send_failed'),
    cancelled: count((r) => r.send_state === 'cancelled'),
    delivered: count((r) => r.delivery_state === 'delivered'),
    deliveryErrors: count((r) => r.delivery_state === 'failed'),
  };
}

/** Messages of the communication neither sent nor being handed over: what Cancel stops. */
export async function notYetSent(app: App, id: number): Promise<{ id: number }[]> {
  return app.store.db.selectFrom('messages').select('id').where('communication_id', '=', id).where('send_state', 'in', ['queued', 'cancelled']).execute();
}
