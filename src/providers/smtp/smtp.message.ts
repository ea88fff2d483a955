// What one email becomes on the wire: an envelope and the message's bytes (smtp.mime.ts). The
// parts every message of a communication shares (From parsed and encoded once, its domain,
// Reply-To) are kept by their text: a batch is one communication in one language, so a handful of
// entries serve a whole send.
import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import type { OutgoingEmail } from '../provider.js';
import type { SmtpEnvelope } from './smtp.pool.js';
import { composeRaw, mailboxHeader, type Mailbox } from './smtp.mime.js';

interface Sender {
  address: string;
  /** The domain of Message-IDs: the From's, so they are ours and not the relay's. */
  domain: string;
  /** `From: …\r\nReply-To: …`, encoded once. */
  lines: string;
}

const MAX_SENDERS = 64;
const ASCII = /^[\x21-\x7e]+$/;

export class SmtpMessages {
  private readonly senders = new Map<string, Sender>();

  /** The envelope, the message's bytes and its Message-ID (without angle brackets). */
  build(email: OutgoingEmail): { envelope: SmtpEnvelope; raw: Buffer; messageId: string } {
    const sender = this.sender(email.from, email.replyTo);
    // Crier's id first, then randomness: a resend of the same message is a new Message-ID.
    const messageId = `crier.${email.id}.${randomBytes(6).toString('hex')}@${sender.domain}`;
    // An internationalised domain goes out in its ASCII (punycode) form, as nodemailer would write it.
    const to = ASCII.test(email.to) ? email.to : asciiDomain(email.to);
    const raw = composeRaw({ senderLines: sender.lines, to, subject: email.subject, messageId, headers: email.headers, text: email.text, html: email.html });
    return { envelope: { from: sender.address, to: [to] }, raw, messageId };
  }

  private sender(from: string, replyTo: string | undefined): Sender {
    const key = `${from}\n${replyTo ?? ''}`;
    let sender = this.senders.get(key);
    if (!sender) {
      const parsed = parseAddress(from);
      const lines = [`From: ${mailboxHeader(parsed)}`, ...(replyTo ? [`Reply-To: ${mailboxHeader(parseAddress(replyTo))}`] : [])].join('\r\n');
      sender = { address: parsed.address, domain: parsed.address.split('@').pop() || 'localhost', lines };
      if (this.senders.size >= MAX_SENDERS) this.senders.clear();
      this.senders.set(key, sender);
    }
    return sender;
  }
}

function asciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  return `${address.slice(0, at)}@${domainToASCII(address.slice(at + 1)) || address.slice(at + 1)}`;
}

function parseAddress(text: string): Mailbox {
  const first = addressparser(text, { flatten: true }).find((a) => a.address);
  return first ? { name: first.name, address: first.address } : { name: '', address: text.trim() };
}
