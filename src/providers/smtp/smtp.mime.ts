// The message as bytes, composed here rather than by nodemailer's MIME tree: profiling the pool
// showed its per-message tree (header normalising, address re-parsing, many small stream writes)
// costing more CPU than everything else on the sending side together. The layout is the one
// nodemailer writes (multipart/alternative, quoted-printable UTF-8 parts, RFC 2047 words in
// headers), and its own encoders do the encoding; what is shared by a communication's messages
// (From, Reply-To) is encoded once by the caller.
import { randomBytes } from 'node:crypto';
import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import { encode as qp, wrap } from 'nodemailer/lib/qp';

export interface Mailbox {
  name: string;
  address: string;
}

/** `Name <address>` as a header value: RFC 2047 words when the name is not plain ASCII. */
export function mailboxHeader({ name, address }: Mailbox): string {
  if (!name) return address;
  const plain = /^[\x20-\x7e]*$/.test(name);
  const display = plain ? (/^[\w !#$%&'*+\-/=?^`{|}~]*$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`) : encodeWords(name, 'Q', 52, true);
  return `${display} <${address}>`;
}

function header(key: string, value: string): string {
  // foldLines keeps header lines short; encoded words where the value is not ASCII.
  const encoded = /^[\x20-\x7e]*$/.test(value) ? value : encodeWords(value, 'Q', 52);
  return foldLines(`${key}: ${encoded}`, 76);
}

export interface RawParts {
  /** Pre-encoded `From: …` (and `Reply-To: …`) lines, shared by a communication's messages. */
  senderLines: string;
  to: string;
  subject: string;
  messageId: string;
  headers: Readonly<Record<string, string>>;
  text: string;
  html: string;
}

export function composeRaw(m: RawParts): Buffer {
  const boundary = `--_crier_${randomBytes(12).toString('hex')}`;
  const lines = [
    m.senderLines,
    `To: ${m.to}`,
    header('Subject', m.subject),
    `Message-ID: <${m.messageId}>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    ...Object.entries(m.headers).map(([k, v]) => header(k, v)),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    wrap(qp(m.text), 76),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    wrap(qp(m.html), 76),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}
