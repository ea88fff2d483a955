// What one email becomes for nodemailer: an envelope and the message's bytes (smtp.mime.ts). The
// parts every message of a communication shares (From parsed and encoded once, its domain,
// Reply-To) are kept by their text: a batch is one communication in one language, so a handful of
// entries serve a whole send.
import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import type { SendMailOptions } from 'nodemailer';
import type { OutgoingEmail } from '../provider.js';
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

  /** The message for nodemailer and its Message-ID (without angle brackets). */
  build(email: OutgoingEmail, signal?: AbortSignal): { options: SendMailOptions; messageId: string } {
    const sender = this.sender(email.from, email.replyTo);
    // Crier's id first, then randomness: a resend of the same message is a new Message-ID.
    const messageId = `crier.${email.id}.${randomBytes(6).toString('hex')}@${sender.domain}`;
    // An address beyond ASCII (an internationalised domain) goes through nodemailer's own
    // composer, which converts it; every other message is composed here.
    const raw = ASCII.test(email.to)
      ? composeRaw({ senderLines: sender.lines, to: email.to, subject: email.subject, messageId, headers: email.headers, text: email.text, html: email.html })
      : undefined;
    const options: SendMailOptions = raw
      ? { envelope: { from: sender.address, to: [email.to] }, raw }
      : {
          from: parseAddress(email.from),
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: `<${messageId}>`,
          ...(email.replyTo ? { replyTo: parseAddress(email.replyTo) } : {}),
          // One header each, as given (List-Unsubscribe carries every URI in one value, RFC 2369):
          // nodemailer's `list` option would write one header per URI.
          headers: email.headers,
        };
    if (signal) options.signal = signal;
    return { options, messageId };
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

function parseAddress(text: string): Mailbox {
  const first = addressparser(text, { flatten: true }).find((a) => a.address);
  return first ? { name: first.name, address: first.address } : { name: '', address: text.trim() };
}
