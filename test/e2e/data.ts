// Data for the end-to-end tests, made through the HTTP API as a script would: accounts from a
// CSV, drafts with content and recipients, and sends through the sandbox provider.
import { expect } from 'vitest';
import { uuidFor } from '../harness/accounts.js';
import type { Api } from './harness.js';

export { uuidFor };

const CONTENT = {
  defaultLanguage: 'en',
  email: { en: { subject: 'Service interruption', html: '<p>Hello {{ account.first_name }},</p><p>Crews are on it.</p>', text: 'Hello, crews are on it.' } },
  sms: null,
};

/** Imports accounts number `from` … `from + count - 1` (each with an email), answering their UUIDs. */
export async function importAccounts(api: Api, count: number, from = 1): Promise<string[]> {
  const rows = ['uuid,first_name,last_name,email,language'];
  const uuids: string[] = [];
  for (let n = from; n < from + count; n++) {
    uuids.push(uuidFor(n));
    rows.push(`${uuidFor(n)},First${n},Last${n},account${n}@example.com,en`);
  }
  await api.call('POST', '/api/accounts/import', rows.join('\n') + '\n', 'text/csv');
  return uuids;
}

/** Account number `n` with an address the sandbox bounces (a delivery error after sending). */
export async function importBouncing(api: Api, n: number): Promise<string> {
  const csv = `uuid,first_name,last_name,email,language\n${uuidFor(n)},First${n},Last${n},account${n}@bounce.example,en\n`;
  await api.call('POST', '/api/accounts/import', csv, 'text/csv');
  return uuidFor(n);
}

/** A draft with content and these recipients, ready to send; answers its id. */
export async function draft(api: Api, name: string, uuids: string[]): Promise<number> {
  const created = await api.call<{ id: number; version: number }>('POST', '/api/communications', { name });
  await api.call('PATCH', `/api/communications/${created.id}`, { version: created.version, content: CONTENT });
  if (uuids.length > 0) {
    await api.call('POST', `/api/communications/${created.id}/recipients`, ['account_uuid', ...uuids].join('\n') + '\n', 'text/csv');
  }
  return created.id;
}

/** Presses Send message on a new communication to these accounts; answers its id. */
export async function send(api: Api, name: string, uuids: string[]): Promise<number> {
  const id = await draft(api, name, uuids);
  await api.call('POST', `/api/communications/${id}/send`);
  return id;
}

export async function statusOf(api: Api, id: number): Promise<string> {
  return (await api.call<{ status: string }>('GET', `/api/communications/${id}`)).status;
}

/** Polls `check` until it holds (for set-up code, where expect.poll cannot run). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until the communication leaves In Progress; answers the status it ended in. */
export async function finished(api: Api, id: number, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(api, id);
    if (status !== 'in_progress') return status;
    if (Date.now() > until) throw new Error(`communication ${id} still in progress after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A communication that ends Failed: one recipient's address is suppressed after the upload and
 * before Send, so that message can never be handed over (a send failure) while the others go.
 */
export async function failedSend(admin: Api, name: string, uuids: string[], suppressedEmail: string): Promise<number> {
  const id = await draft(admin, name, uuids);
  await admin.call('POST', '/api/suppressions', { channel: 'email', address: suppressedEmail, reason: 'manual' });
  await admin.call('POST', `/api/communications/${id}/send`);
  expect(await finished(admin, id)).toBe('failed');
  return id;
}
