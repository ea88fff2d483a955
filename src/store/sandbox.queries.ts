// What the sandbox provider "sent", newest first, for a first look without any provider.
import type { Selectable } from 'kysely';
import type { SandboxMessagesTable } from './schema.js';
import type { Db } from './store.js';

export type SandboxMessageRow = Selectable<SandboxMessagesTable>;

export interface SandboxFilter {
  to?: string;
  channel?: 'email' | 'sms';
  page: number;
  pageSize: number;
}

export async function listSandboxMessages(db: Db, filter: SandboxFilter): Promise<{ rows: SandboxMessageRow[]; total: number }> {
  let query = db.selectFrom('sandbox_messages');
  // An exact address, so the (to_address, id) index answers it however many messages there are.
  if (filter.to !== undefined) query = query.where('to_address', '=', filter.to);
  if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
  const [rows, total] = await Promise.all([
    query
      .selectAll()
      .orderBy('id', 'desc')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}
