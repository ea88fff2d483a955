// A sent communication of a given size, inserted set-wise (no provider, no dispatcher): accounts,
// recipients and message rows in a realistic mix, for the outcome views' benchmarks. Messages go
// in as the expansion writes them (per chunk of recipients, email then SMS), so ids interleave
// channels; states come from a fixed hash of the message, so every run has the same rows.
import type { SqlExec } from '../src/store/engine/sql-exec.js';

export interface FixtureOptions {
  messages: number;
  /** Share of the messages that are email; the rest are SMS (each to an account that also has email). */
  emailShare: number;
  /** Per mille of messages that could not be sent. */
  sendFailedPerMille: number;
  /** Per mille of the sent messages: delivered, failed; the rest stay in progress. */
  deliveredPerMille: number;
  failedPerMille: number;
  /** Account numbers start after this (several fixtures in one database). */
  accountBase?: number;
  /** Every message still queued, as the expansion leaves them (the state mix is then unused). */
  queued?: boolean;
}

export interface Fixture {
  communicationId: number;
  accounts: number;
  firstMessageId: number;
  lastMessageId: number;
}

const CHUNK = 10_000;

/**
 * The numbers first..last as a table n(i), in each dialect; `params` puts the bounds where the
 * dialect's text has them (before the statement's own values on SQLite, after on PostgreSQL).
 */
function series(exec: SqlExec, first: number, last: number) {
  return exec.dialect === 'postgres'
    ? { with: '', from: 'generate_series(?::bigint, ?::bigint) AS n(i)', params: (own: unknown[]) => [...own, first, last] }
    : {
        with: 'WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) ',
        from: 'n',
        params: (own: unknown[]) => [first, last, ...own],
      };
}

export async function loadFixture(exec: SqlExec, options: FixtureOptions, now = Date.now()): Promise<Fixture> {
  const accounts = Math.round(options.messages * options.emailShare);
  const withSms = options.messages - accounts;
  const base = options.accountBase ?? 0;
  const s = series(exec, base + 1, base + accounts);
  const [top] = await exec.all<{ hi: number | null }>(`SELECT MAX(id) AS hi FROM accounts`);
  const before = Number(top?.hi ?? 0);
  const hex = exec.dialect === 'postgres' ? `lpad(to_hex(i), 12, '0')` : `printf('%012x', i)`;
  await exec.run(
    `${s.with}INSERT INTO accounts (uuid, first_name, last_name, email, phone, language, timezone, email_consent, sms_consent, attributes, created_at, updated_at)
     SELECT '00000000-0000-4000-8000-' || ${hex}, 'First' || i, CASE WHEN i % 50 = 0 THEN '=HYPERLINK(1)' ELSE 'Last' || i END,
       'u' || i || '@example.com', '+1514' || (2000000 + i), 'en', 'America/Toronto', 1, 1, '{}', ?, ? FROM ${s.from}`,
    s.params([now, now]),
  );
  const [comm] = await exec.all<{ id: number }>(
    `INSERT INTO communications (name, status, step, default_language, email, sms, created_at, updated_at, send_started_at, finished_at, expansion_done)
     VALUES ('Benchmark outcome', ?, 'review', 'en', '{}', '{}', ?, ?, ?, ?, 1) RETURNING id`,
    [options.queued ? 'in_progress' : 'failed', now, now, now, options.queued ? null : now],
  );
  const id = Number(comm!.id);
  const [range] = await exec.all<{ lo: number; hi: number }>(`SELECT MIN(id) AS lo, MAX(id) AS hi FROM accounts WHERE id > ?`, [before]);
  const lo = Number(range!.lo);
  await exec.run(
    `INSERT INTO recipients (communication_id, account_id, line) SELECT ?, id, id - ? + 2 FROM accounts WHERE id BETWEEN ? AND ?`,
    [id, lo, lo, Number(range!.hi)],
  );

  // The state of each message from a hash of its key (account × channel).
  const insert = (tx: SqlExec, channel: 'email' | 'sms', from: number, to: number) => {
    const c = channel === 'email' ? 0 : 1;
    const key = `(a.id * 2 + ${c})`;
    const h1 = `((${key} * 7919 + 13) % 1000)`;
    const h2 = `((${key} * 104729 + 7) % 1000)`;
    // SMS go to an even spread of the accounts: k gets one when (k + 1)·share and k·share fall in different units.
    const k = `(a.id - ${lo})`;
    const smsOnly = channel === 'sms' ? `AND (${k} + 1) * ${withSms} / ${accounts} > ${k} * ${withSms} / ${accounts}` : '';
    const sendFailed = options.sendFailedPerMille;
    const delivered = options.deliveredPerMille;
    const failed = delivered + options.failedPerMille;
    if (options.queued) {
      return tx.run(
        `INSERT INTO messages (communication_id, account_id, channel, language, address, send_state, next_attempt_at, created_at)
         SELECT ?, a.id, '${channel}', 'en', ${channel === 'email' ? 'a.email' : 'a.phone'}, 'queued', ?, ?
         FROM accounts a WHERE a.id BETWEEN ? AND ? ${smsOnly}`,
        [id, now, now, from, to],
      );
    }
    return tx.run(
      `INSERT INTO messages (communication_id, account_id, channel, language, address, send_state, delivery_state, attempts,
         next_attempt_at, provider, provider_message_id, sent_at, error_code, error_message, delivery_error, created_at)
       SELECT ?, a.id, '${channel}', 'en', ${channel === 'email' ? 'a.email' : 'a.phone'},
         CASE WHEN ${h1} < ${sendFailed} THEN 'send_failed' ELSE 'sent' END,
         CASE WHEN ${h1} < ${sendFailed} THEN NULL WHEN ${h2} < ${delivered} THEN 'delivered'
              WHEN ${h2} < ${failed} THEN 'failed' ELSE 'in_progress' END,
         1, ?, 'sandbox', 'sbx_' || ${key}, CASE WHEN ${h1} < ${sendFailed} THEN NULL ELSE CAST(? AS bigint) END,
         CASE WHEN ${h1} < ${sendFailed} THEN 'rejected' END,
         CASE WHEN ${h1} < ${sendFailed} THEN '@SUM(1) rejected by provider' END,
         CASE WHEN ${h1} >= ${sendFailed} AND ${h2} >= ${delivered} AND ${h2} < ${failed} THEN '+mailbox unavailable' END, ?
       FROM accounts a WHERE a.id BETWEEN ? AND ? ${smsOnly}`,
      [id, now, now, now, from, to],
    );
  };
  for (let from = lo; from < lo + accounts; from += CHUNK) {
    const to = Math.min(from + CHUNK - 1, lo + accounts - 1);
    await exec.transaction(async (tx) => {
      await insert(tx, 'email', from, to);
      await insert(tx, 'sms', from, to);
    });
  }
  const [bounds] = await exec.all<{ lo: number; hi: number; n: number }>(
    `SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM messages WHERE communication_id = ?`,
    [id],
  );
  await exec.run(`UPDATE communications SET recipients_count = ? WHERE id = ?`, [accounts, id]);
  // The counters as the engine would have kept them: a recount of the rows just made.
  const sum = (condition: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  await exec.run(
    `INSERT INTO communication_counts (communication_id, shard, messages_total, messages_sent, messages_send_failed, messages_cancelled, messages_delivered, delivery_errors)
     SELECT ?, 0, COUNT(*), ${sum(`send_state = 'sent'`)}, ${sum(`send_state = 'send_failed'`)}, ${sum(`send_state = 'cancelled'`)},
       ${sum(`delivery_state = 'delivered'`)}, ${sum(`delivery_state = 'failed'`)} FROM messages WHERE communication_id = ?`,
    [id, id],
  );
  return { communicationId: id, accounts, firstMessageId: Number(bounds!.lo), lastMessageId: Number(bounds!.hi) };
}
