// Data for the communication view's end-to-end tests, made through the HTTP API: accounts that
// each end a different way in the sandbox (delivered, bounced, undeliverable SMS, unreachable,
// suppressed), and content with an email and an SMS in English and French.
import type { Api } from './harness.js';
import { finished, uuidFor } from './data.js';

export interface Person {
  n: number;
  uuid: string;
  name: string;
  email: string;
  phone: string;
  language: 'en' | 'fr';
}

export const VIEW_CONTENT = {
  defaultLanguage: 'en',
  email: {
    en: { subject: 'Service interruption in Laval', html: '<h1>Hello {{ account.first_name }},</h1><p>Crews are repairing a fibre cut.</p>', text: 'Hello, crews are repairing a fibre cut.' },
    fr: { subject: 'Interruption de service à Laval', html: '<h1>Bonjour {{ account.first_name }},</h1><p>Nos équipes réparent une fibre coupée.</p>', text: 'Bonjour, nos équipes réparent une fibre coupée.' },
  },
  sms: {
    en: { body: 'Crier: fibre cut in Laval, crews on site. Sorry {{ account.first_name }}!' },
    fr: { body: 'Crier : fibre coupée à Laval, équipes sur place. Désolés {{ account.first_name }} !' },
  },
};

function person(n: number, language: 'en' | 'fr', email: string, phone: string): Person {
  return { n, uuid: uuidFor(n), name: `First${n} Last${n}`, email, phone, language };
}

/**
 * From `from` on: three accounts that get both messages, one whose email bounces
 * (@bounce.example), one whose SMS is undeliverable (a number ending 0000), and two whose every
 * address is suppressed between the upload and Send (`suppressions`), so they receive nothing:
 * the upload refuses accounts no channel can reach, so only a change after it makes them.
 */
export function cohort(from: number) {
  const phone = (k: number) => `+1514${String(3_000_000 + from + k)}`;
  const emailOnly = person(from + 5, 'en', `account${from + 5}@example.com`, '');
  const both = person(from + 6, 'fr', `account${from + 6}@example.com`, phone(6));
  return {
    reached: [0, 1, 2].map((k) => person(from + k, k === 1 ? 'fr' : 'en', `account${from + k}@example.com`, phone(k))),
    bounced: person(from + 3, 'en', `account${from + 3}@bounce.example`, ''),
    unreachableSms: person(from + 4, 'fr', '', `+1514${300 + (from % 700)}0000`),
    emailOnly,
    both,
    suppressions: [
      { channel: 'email', address: emailOnly.email },
      { channel: 'email', address: both.email },
      { channel: 'sms', address: both.phone },
    ],
  };
}

export type Cohort = ReturnType<typeof cohort>;

export const everyone = (c: Cohort): Person[] => [...c.reached, c.bounced, c.unreachableSms, c.emailOnly, c.both];

export async function importPeople(api: Api, people: Person[]): Promise<void> {
  const rows = ['uuid,first_name,last_name,email,phone,language'];
  for (const p of people) rows.push(`${p.uuid},First${p.n},Last${p.n},${p.email},${p.phone},${p.language}`);
  await api.call('POST', '/api/accounts/import', rows.join('\n') + '\n', 'text/csv');
}

/** A draft with the English and French email and SMS, to these accounts (in this order in the CSV). */
export async function contentDraft(api: Api, name: string, people: Person[]): Promise<number> {
  const created = await api.call<{ id: number; version: number }>('POST', '/api/communications', { name });
  await api.call('PATCH', `/api/communications/${created.id}`, { version: created.version, content: VIEW_CONTENT });
  await api.call('POST', `/api/communications/${created.id}/recipients`, ['account_uuid', ...people.map((p) => p.uuid)].join('\n') + '\n', 'text/csv');
  return created.id;
}

/** Sends and waits until it is over and every sent message has its delivery report. */
export async function sendAndSettle(api: Api, id: number): Promise<string> {
  await api.call('POST', `/api/communications/${id}/send`);
  const status = await finished(api, id);
  const until = Date.now() + 30_000;
  for (;;) {
    const waiting = await api.call<{ items: unknown[] }>('GET', `/api/communications/${id}/messages?status=in_progress&limit=1`);
    if (waiting.items.length === 0) return status;
    if (Date.now() > until) throw new Error(`communication ${id}: delivery reports still awaited after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
