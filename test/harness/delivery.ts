// Sent messages to report on: a real communication sent through the dispatcher and the sandbox,
// and delivery events that name its messages the way a provider's webhook would.
import type { App } from '../../src/app.js';
import type { Content } from '../../src/content/content.js';
import { CLI_ACTOR } from '../../src/domain/actor.js';
import type { DeliveryEvent, MessageEventKind } from '../../src/domain/delivery.js';
import { readyDraft, waitForFinish } from './sending.js';

export const EMAIL_AND_SMS: Content = {
  defaultLanguage: 'en',
  email: { en: { subject: 'Notice', html: '<p>Hello {{ account.first_name }}</p>', text: 'Hello {{ account.first_name }}' } },
  sms: { en: { body: 'Notice for {{ account.first_name }}' } },
};

export interface SentMessage {
  id: number;
  communication_id: number;
  channel: 'email' | 'sms';
  address: string;
  provider_message_id: string;
  delivery_state: string | null;
  delivery_error: string | null;
  delivery_updated_at: number | null;
}

/** Sends a communication to `count` new accounts (plus `csvRows`: uuid,first_name,email,phone) and waits for it. */
export async function sendCommunication(
  app: App,
  count: number,
  options: { content?: Content; csvRows?: string[] } = {},
): Promise<{ id: number; messages: SentMessage[] }> {
  const id = await readyDraft(app, count, options);
  await app.sending.send(id, CLI_ACTOR);
  await waitForFinish(app, id);
  return { id, messages: await messagesOf(app, id) };
}

export async function messagesOf(app: App, communicationId: number): Promise<SentMessage[]> {
  const rows = await app.store.db
    .selectFrom('messages')
    .select(['id', 'communication_id', 'channel', 'address', 'provider_message_id', 'delivery_state', 'delivery_error', 'delivery_updated_at'])
    .where('communication_id', '=', communicationId)
    .where('send_state', '=', 'sent')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), communication_id: Number(r.communication_id) }) as SentMessage);
}

export async function messageRow(app: App, id: number): Promise<SentMessage> {
  const [row] = await app.store.db
    .selectFrom('messages')
    .select(['id', 'communication_id', 'channel', 'address', 'provider_message_id', 'delivery_state', 'delivery_error', 'delivery_updated_at'])
    .where('id', '=', id)
    .execute();
  return { ...row!, id: Number(row!.id), communication_id: Number(row!.communication_id) } as SentMessage;
}

let serial = 0;

/** An event about a sent message, with a fresh key unless one is given. */
export function eventFor(
  message: { provider_message_id: string },
  kind: MessageEventKind,
  extra: { eventKey?: string; reason?: string; hardBounce?: boolean; occurredAt?: number; messageId?: number } = {},
): DeliveryEvent {
  return {
    provider: 'sandbox',
    eventKey: extra.eventKey ?? `test-${process.pid}-${++serial}`,
    providerMessageId: message.provider_message_id,
    // Crier's own id, as SendGrid's custom arguments and Mailgun's variables echo it back.
    ...(extra.messageId === undefined ? {} : { messageId: extra.messageId }),
    kind,
    occurredAt: extra.occurredAt ?? Date.now(),
    ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    ...(extra.hardBounce === undefined ? {} : { hardBounce: extra.hardBounce }),
    payload: { kind, test: true },
  };
}

export async function countersOf(app: App, communicationId: number) {
  const { messages } = await app.communications.get(communicationId);
  return { delivered: messages.delivered, deliveryErrors: messages.deliveryErrors };
}
