// Helpers for tests that need accounts: deterministic UUIDs, CSV text, a draft's recipients.
import type { Db } from '../../src/store/store.js';

export function uuidFor(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** CSV of `count` valid accounts starting at number `from`. */
export function accountsCsv(count: number, from = 1): string {
  const lines = ['uuid,first_name,last_name,email,phone,language,timezone,plan'];
  for (let i = from; i < from + count; i++) {
    const phone = `+1514${String(2000000 + (i % 7000000)).padStart(7, '0')}`;
    lines.push(`${uuidFor(i)},First${i},Last${i},user${i}@example.com,${phone},${i % 3 ? 'en' : 'fr-CA'},America/Toronto,Fibre ${i % 5}`);
  }
  return lines.join('\n') + '\n';
}

/** A communication's recipients as [CSV line, account UUID], in line order. */
export async function recipientLines(db: Db, communicationId: number): Promise<[number, string][]> {
  const rows = await db
    .selectFrom('recipients')
    .innerJoin('accounts', 'accounts.id', 'recipients.account_id')
    .select(['recipients.line', 'accounts.uuid'])
    .where('communication_id', '=', communicationId)
    .orderBy('recipients.line')
    .execute();
  return rows.map((r) => [Number(r.line), r.uuid]);
}
