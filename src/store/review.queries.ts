// What the Review step counts: recipients grouped by everything that decides what they receive
// (language, addresses, consents, suppressions). A million recipients fold into a few dozen
// groups, to which the audience rules are then applied in code. On SQLite each statement is
// synchronous: a million recipients are read in ranges of REVIEW_CHUNK recipient ids, so the
// server answers other requests between ranges instead of waiting for the whole review.
import { sql, type RawBuilder } from 'kysely';
import type { RecipientAccount } from './recipients.queries.js';
import type { Db, Dialect } from './store.js';

export interface AudienceGroup {
  language: string | null;
  hasEmail: boolean;
  emailConsent: boolean;
  emailSuppressed: boolean;
  hasPhone: boolean;
  smsConsent: boolean;
  smsSuppressed: boolean;
  count: number;
}

const emailSuppressed = sql`exists (select 1 from suppressions s where s.channel = 'email' and s.address = a.email)`;
const smsSuppressed = sql`exists (select 1 from suppressions s where s.channel = 'sms' and s.address = a.phone)`;

/** Recipients per statement on SQLite: ~25 ms of work each on a 2-core machine. */
const REVIEW_CHUNK = 50_000;

/** Conditions on `r.id` that together cover a communication's recipients, one statement each. */
export type RecipientRanges = readonly RawBuilder<unknown>[];

const breathe = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The ranges to read a communication's recipients in, found once per review: one range on
 * PostgreSQL (its statements wait on the network, not on this thread), ranges of `size`
 * recipient ids on SQLite.
 */
export async function recipientRanges(db: Db, dialect: Dialect, communicationId: number, size = REVIEW_CHUNK): Promise<RecipientRanges> {
  if (dialect === 'postgres') return [sql`1 = 1`];
  const ranges: RawBuilder<unknown>[] = [];
  for (let from = 0; ; ) {
    // By the primary key, as the expansion reads them ("+" keeps the planner off the
    // (communication_id, account_id) index, which would scan every recipient for each range).
    const bound = await sql<{ hi: number | null }>`
      select max(id) as hi from (select id from recipients where id > ${from} and +communication_id = ${communicationId} order by id limit ${size}) chunk`.execute(db);
    const hi = bound.rows[0]?.hi;
    if (hi === null || hi === undefined) return ranges;
    ranges.push(sql`r.id > ${from} and r.id <= ${Number(hi)}`);
    from = Number(hi);
    await breathe();
  }
}

export async function audienceGroups(db: Db, communicationId: number, ranges: RecipientRanges): Promise<AudienceGroup[]> {
  const groups = new Map<string, AudienceGroup>();
  for (const range of ranges) {
    for (const g of await audienceGroupsIn(db, communicationId, range)) {
      const key = JSON.stringify([g.language, g.hasEmail, g.emailConsent, g.emailSuppressed, g.hasPhone, g.smsConsent, g.smsSuppressed]);
      const seen = groups.get(key);
      if (seen) seen.count += g.count;
      else groups.set(key, g);
    }
    // Let requests in between ranges.
    await breathe();
  }
  return [...groups.values()];
}

async function audienceGroupsIn(db: Db, communicationId: number, range: RawBuilder<unknown>): Promise<AudienceGroup[]> {
  const result = await sql<{
    language: string | null;
    has_email: number;
    email_consent: number;
    email_suppressed: number;
    has_phone: number;
    sms_consent: number;
    sms_suppressed: number;
    n: number;
  }>`
    select a.language as language,
      case when a.email is null then 0 else 1 end as has_email,
      a.email_consent as email_consent,
      case when ${emailSuppressed} then 1 else 0 end as email_suppressed,
      case when a.phone is null then 0 else 1 end as has_phone,
      a.sms_consent as sms_consent,
      case when ${smsSuppressed} then 1 else 0 end as sms_suppressed,
      count(*) as n
    from recipients r join accounts a on a.id = r.account_id
    where r.communication_id = ${communicationId} and ${range}
    group by 1, 2, 3, 4, 5, 6, 7`.execute(db);
  return result.rows.map((r) => ({
    language: r.language,
    hasEmail: Number(r.has_email) === 1,
    emailConsent: Number(r.email_consent) === 1,
    emailSuppressed: Number(r.email_suppressed) === 1,
    hasPhone: Number(r.has_phone) === 1,
    smsConsent: Number(r.sms_consent) === 1,
    smsSuppressed: Number(r.sms_suppressed) === 1,
    count: Number(r.n),
  }));
}

export interface UnreachableSample {
  uuid: string;
  firstName: string | null;
  lastName: string | null;
  line: number;
  email: string | null;
  phone: string | null;
  emailConsent: boolean;
  smsConsent: boolean;
  emailSuppressed: boolean;
  smsSuppressed: boolean;
}

/** Up to `limit` recipients who would receive nothing, by CSV line. */
export async function unreachableSample(
  db: Db,
  communicationId: number,
  ranges: RecipientRanges,
  channels: { email: boolean; sms: boolean },
  limit: number,
): Promise<UnreachableSample[]> {
  const emailBlocked = channels.email ? sql`(a.email is null or a.email_consent = 0 or ${emailSuppressed})` : sql`1 = 1`;
  const smsBlocked = channels.sms ? sql`(a.phone is null or a.sms_consent = 0 or ${smsSuppressed})` : sql`1 = 1`;
  // The first `limit` by line of each range, then the first `limit` of those.
  const rows: Awaited<ReturnType<typeof unreachableIn>> = [];
  for (const range of ranges) {
    rows.push(...(await unreachableIn(db, communicationId, sql`${emailBlocked} and ${smsBlocked} and ${range}`, limit)));
    await breathe();
  }
  return rows
    .sort((a, b) => Number(a.line) - Number(b.line))
    .slice(0, limit)
    .map((r) => ({
      uuid: r.uuid,
      firstName: r.first_name,
      lastName: r.last_name,
      line: Number(r.line),
      email: r.email,
      phone: r.phone,
      emailConsent: Number(r.email_consent) === 1,
      smsConsent: Number(r.sms_consent) === 1,
      emailSuppressed: Number(r.email_suppressed) === 1,
      smsSuppressed: Number(r.sms_suppressed) === 1,
    }));
}

async function unreachableIn(db: Db, communicationId: number, where: RawBuilder<unknown>, limit: number) {
  const result = await sql<
    Omit<RecipientAccount, 'id'> & { first_name: string | null; last_name: string | null; line: number }
  >`
    select a.uuid, a.first_name, a.last_name, r.line, a.email, a.phone, a.email_consent, a.sms_consent,
      case when ${emailSuppressed} then 1 else 0 end as email_suppressed,
      case when ${smsSuppressed} then 1 else 0 end as sms_suppressed
    from recipients r join accounts a on a.id = r.account_id
    where r.communication_id = ${communicationId} and ${where}
    order by r.line
    limit ${limit}`.execute(db);
  return result.rows;
}

/** How many recipients lack each of these attributes (merge tags would fail for them). */
export async function recipientsMissingAttributes(
  db: Db,
  dialect: Dialect,
  communicationId: number,
  ranges: RecipientRanges,
  names: readonly string[],
): Promise<Map<string, number>> {
  const missing = new Map<string, number>();
  for (const name of names) {
    const absent =
      dialect === 'postgres'
        ? sql`not jsonb_exists(a.attributes::jsonb, ${name})`
        : sql`json_type(a.attributes, ${`$."${name.replace(/"/g, '')}"`}) is null`;
    let n = 0;
    for (const range of ranges) {
      const row = await sql<{ n: number }>`
        select count(*) as n from recipients r join accounts a on a.id = r.account_id
        where r.communication_id = ${communicationId} and ${absent} and ${range}`.execute(db);
      n += Number(row.rows[0]?.n ?? 0);
      await breathe();
    }
    if (n > 0) missing.set(name, n);
  }
  return missing;
}

/**
 * Recipients whose address of this channel is suppressed, by the suppression's reason: only those
 * the suppression itself keeps from the channel (an address, and consent given), so that the
 * counts add up to the recipients the audience rules skip as suppressed. An address has at most
 * one suppression a channel (unique (channel, address)): each recipient counts once.
 */
export async function suppressedByReason(
  db: Db,
  communicationId: number,
  ranges: RecipientRanges,
  channel: 'email' | 'sms',
): Promise<Map<string, number>> {
  const address = channel === 'email' ? sql.ref('a.email') : sql.ref('a.phone');
  const consent = channel === 'email' ? sql.ref('a.email_consent') : sql.ref('a.sms_consent');
  const counts = new Map<string, number>();
  for (const range of ranges) {
    const result = await sql<{ reason: string; n: number }>`
      select s.reason as reason, count(*) as n
      from recipients r join accounts a on a.id = r.account_id
        join suppressions s on s.channel = ${channel} and s.address = ${address}
      where r.communication_id = ${communicationId} and ${consent} = 1 and ${range}
      group by s.reason`.execute(db);
    for (const row of result.rows) counts.set(row.reason, (counts.get(row.reason) ?? 0) + Number(row.n));
    await breathe();
  }
  return counts;
}
