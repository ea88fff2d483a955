// Unsubscribe links: /unsubscribe/<message id>.<signature>. The signature (HMAC-SHA256 with a key
// Crier keeps in its database) makes links unguessable, so nobody can unsubscribe someone else
// by counting message ids.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/store.js';

const SECRET_NAME = 'unsubscribe-links';
const SIGNED_LINK = /(\/unsubscribe\/\d+)\.[A-Za-z0-9_-]{22}/g;

/**
 * The text with every signed link's signature replaced: which message a link names stays
 * readable, the link no longer unsubscribes anyone.
 */
export function redactUnsubscribeLinks(text: string): string {
  return text.replace(SIGNED_LINK, '$1.[redacted]');
}

export class UnsubscribeLinks {
  constructor(
    private readonly publicUrl: string,
    private readonly key: Buffer,
  ) {}

  /** Loads the signing key, creating it on first use (every process then agrees on it). */
  static async load(db: Db, publicUrl: string): Promise<UnsubscribeLinks> {
    await db
      .insertInto('crier_secrets')
      .values({ name: SECRET_NAME, value: randomBytes(32).toString('base64') })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await db.selectFrom('crier_secrets').select('value').where('name', '=', SECRET_NAME).executeTakeFirstOrThrow();
    return new UnsubscribeLinks(publicUrl.replace(/\/$/, ''), Buffer.from(row.value, 'base64'));
  }

  url(messageId: number): string {
    return `${this.publicUrl}/unsubscribe/${messageId}.${this.sign(messageId)}`;
  }

  /**
   * The message id a link token names, or null when its signature is wrong. Only the spelling
   * `url()` writes is a link: `0005.<signature of 5>` names no message, so no two tokens unlock
   * one address and a token is one row of any log or list of them.
   */
  verify(token: string): number | null {
    const match = /^(0|[1-9]\d{0,14})\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!match) return null;
    const id = Number(match[1]);
    const expected = Buffer.from(this.sign(id));
    const given = Buffer.from(match[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
  }

  private sign(messageId: number): string {
    return createHmac('sha256', this.key).update(`unsubscribe:${messageId}`).digest('base64url').slice(0, 22);
  }
}
