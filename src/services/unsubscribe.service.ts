// Unsubscribe links as the recipient uses them: the page names the address (masked), and the
// POST suppresses it. Only a link Crier signed reaches a message; anything else is "not found".
import type { Actor } from '../domain/actor.js';
import type { SuppressionStore } from '../sending/sending-store.js';
import type { UnsubscribeLinks } from '../sending/unsubscribe.js';

/** The audit log's name for a recipient who used an unsubscribe link (they have no user). */
export const RECIPIENT_ACTOR: Actor = { userId: null, label: 'recipient (unsubscribe link)' };

export interface UnsubscribeTarget {
  messageId: number;
  address: string;
  /** The language the message was sent in, for the page. */
  language: string | null;
}

export class UnsubscribeService {
  constructor(private readonly deps: { store: SuppressionStore; links: UnsubscribeLinks; now?: () => number }) {}

  /** The email address a link names, or null for a link Crier did not sign (or an SMS). */
  async find(token: string): Promise<UnsubscribeTarget | null> {
    const messageId = this.deps.links.verify(token);
    if (messageId === null) return null;
    const row = await this.deps.store.messageAddress(messageId);
    if (!row || row.channel !== 'email' || !row.address) return null;
    return { messageId, address: row.address, language: row.language };
  }

  /** Suppresses the link's address; a second use changes nothing (`added` is then false). */
  async unsubscribe(token: string): Promise<(UnsubscribeTarget & { added: boolean }) | null> {
    const target = await this.find(token);
    if (!target) return null;
    const now = this.deps.now?.() ?? Date.now();
    const added = await this.deps.store.add(
      { channel: 'email', address: target.address, reason: 'unsubscribed', source: `unsubscribe-link:message ${target.messageId}` },
      RECIPIENT_ACTOR,
      now,
    );
    return { ...target, added };
  }
}
