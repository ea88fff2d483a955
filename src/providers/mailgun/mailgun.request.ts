// How a batch becomes Mailgun batch-sending requests. One request carries many recipients: `to`
// lists them, `recipient-variables` (a JSON object keyed by address) carries each one's values, and
// the message fields name them as %recipient.<var>%. Mailgun substitutes these in the subject,
// bodies, `h:` headers and `v:` custom variables alike (documented for batch sending; relied on by
// django-anymail's Mailgun backend for per-recipient headers and metadata).
import type { OutgoingEmail } from '../provider.js';

/** Mailgun's documented limit of recipients per batch-sending request. */
export const MAX_RECIPIENTS = 1000;

/** The `v:` variable that carries Crier's message id into every webhook and event (`user-variables`). */
export const CRIER_ID_VARIABLE = 'crier_message_id';

export interface MailgunRequest {
  messages: OutgoingEmail[];
}

/**
 * Splits a batch into requests. Messages share a request only when they share what is not
 * per-recipient (From, Reply-To, the names of their headers), and never two to one address:
 * recipient-variables are keyed by address (compared without case, as mailboxes usually are).
 */
export function planRequests(batch: readonly OutgoingEmail[]): MailgunRequest[] {
  const groups = new Map<string, { messages: OutgoingEmail[]; addresses: Set<string> }[]>();
  for (const message of batch) {
    const shape = JSON.stringify([
      message.from,
      message.replyTo ?? null,
      Object.keys(message.headers).sort(),
    ]);
    const requests = groups.get(shape) ?? [];
    groups.set(shape, requests);
    const address = message.to.toLowerCase();
    let request = requests.find(
      (r) => !r.addresses.has(address) && r.messages.length < MAX_RECIPIENTS,
    );
    if (!request) {
      request = { messages: [], addresses: new Set() };
      requests.push(request);
    }
    request.messages.push(message);
    request.addresses.add(address);
  }
  return [...groups.values()].flat().map((r) => ({ messages: r.messages }));
}

type Field = readonly [name: string, value: string];

/**
 * The form fields of one request. A part every message has alike is sent as it is; a part that
 * differs is a %recipient.<var>% placeholder with each message's value in its recipient variables.
 */
export function requestFields(messages: readonly OutgoingEmail[]): Field[] {
  const first = messages[0];
  if (!first) throw new Error('a Mailgun request needs at least one message');
  const variables: Record<string, Record<string, string>> = {};
  for (const m of messages) variables[m.to] = { id: m.id };

  const fields: Field[] = [['from', first.from]];
  for (const m of messages) fields.push(['to', m.to]);
  if (first.replyTo) fields.push(['h:Reply-To', first.replyTo]);

  const part = (name: string, variable: string, valueOf: (m: OutgoingEmail) => string) => {
    const value = valueOf(first);
    if (messages.every((m) => valueOf(m) === value)) {
      fields.push([name, value]);
      return;
    }
    for (const m of messages) variables[m.to]![variable] = valueOf(m);
    fields.push([name, `%recipient.${variable}%`]);
  };
  part('subject', 'subject', (m) => m.subject);
  if (messages.some((m) => m.html !== '')) part('html', 'html', (m) => m.html);
  part('text', 'text', (m) => m.text);
  for (const header of Object.keys(first.headers).sort())
    part(`h:${header}`, `h:${header}`, (m) => m.headers[header] ?? '');
  // Always per recipient: the id ties every event back to its message.
  fields.push([`v:${CRIER_ID_VARIABLE}`, '%recipient.id%']);
  fields.push(['recipient-variables', JSON.stringify(variables)]);
  return fields;
}
