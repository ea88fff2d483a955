// How a batch of Crier's messages becomes v3 mail/send requests. Crier renders every message per
// account, but a v3 request has one `content`: so the content is two substitution tags and each
// personalization carries its own html and text as substitution values, while they fit SendGrid's
// per-personalization substitution limit. A message too big for that goes in a request of its
// own, with its content written directly.
import type { OutgoingEmail } from '../provider.js';

/** SendGrid's documented limits on one mail/send request. */
export const MAIL_SEND_LIMITS = {
  /** "limited to 1000 personalizations per API request" (also 1000 recipients in all). */
  personalizations: 1000,
  /** Substitution Tags: "Substitutions are limited to 50,000 bytes per personalization block". */
  substitutionBytes: 50_000,
  /** Limitations: "The total length of custom arguments must be less than 10000 bytes". */
  customArgsBytes: 10_000,
  /** Limitations: "The total size of your email, including attachments, must be less than 30MB"; kept under with room. */
  requestBytes: 29_000_000,
} as const;

/** Unlikely in rendered content: SendGrid replaces these in the content, subject and headers. */
export const HTML_TAG = '-crier_html_body-';
export const TEXT_TAG = '-crier_text_body-';

export interface Address {
  email: string;
  name?: string;
}

export interface Personalization {
  to: Address[];
  subject: string;
  headers?: Record<string, string>;
  substitutions?: Record<string, string>;
  custom_args: { crier_message_id: string };
}

export interface MailSendBody {
  personalizations: Personalization[];
  from: Address;
  reply_to?: Address;
  /** text/plain first, then text/html, as SendGrid requires. */
  content: { type: 'text/plain' | 'text/html'; value: string }[];
}

/** One request and the Crier message ids it carries, in personalization order. */
export interface MailRequest {
  ids: string[];
  body: MailSendBody;
}

export interface Refusal {
  id: string;
  code: string;
  message: string;
}

export interface RequestPlan {
  requests: MailRequest[];
  /** Messages that cannot be sent through mail/send at all (too large): permanent failures. */
  refused: Refusal[];
}

/** "Name <addr>" or a bare address, as CRIER_EMAIL_FROM / REPLY_TO are written. */
export function parseAddress(text: string): Address {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(text);
  if (!match) return { email: text.trim() };
  const name = match[1]!.trim();
  return name ? { email: match[2]!.trim(), name } : { email: match[2]!.trim() };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function personalization(m: OutgoingEmail, shared: boolean): Personalization {
  return {
    to: [{ email: m.to }],
    subject: m.subject,
    ...(Object.keys(m.headers).length > 0 ? { headers: m.headers } : {}),
    ...(shared ? { substitutions: { [HTML_TAG]: m.html, [TEXT_TAG]: m.text } } : {}),
    custom_args: { crier_message_id: m.id },
  };
}

function envelope(m: OutgoingEmail): Omit<MailSendBody, 'personalizations' | 'content'> {
  return { from: parseAddress(m.from), ...(m.replyTo ? { reply_to: parseAddress(m.replyTo) } : {}) };
}

const SHARED_CONTENT: MailSendBody['content'] = [
  { type: 'text/plain', value: TEXT_TAG },
  { type: 'text/html', value: HTML_TAG },
];

/** SendGrid refuses an empty content value: a message without one of its parts leaves it out. */
function directContent(m: OutgoingEmail): MailSendBody['content'] {
  const parts: MailSendBody['content'] = [];
  if (m.text !== '') parts.push({ type: 'text/plain', value: m.text });
  if (m.html !== '') parts.push({ type: 'text/html', value: m.html });
  return parts.length > 0 ? parts : [{ type: 'text/plain', value: ' ' }];
}

interface Open {
  request: MailRequest;
  size: number;
  addresses: Set<string>;
}

/**
 * Packs a batch into as few requests as the limits allow. Messages with the same sender share
 * requests; an address appears once per request (SendGrid refuses a request that repeats one).
 */
export function planRequests(batch: readonly OutgoingEmail[]): RequestPlan {
  const requests: MailRequest[] = [];
  const refused: Refusal[] = [];
  const open = new Map<string, Open[]>();
  for (const m of batch) {
    if (bytes({ crier_message_id: m.id }) >= MAIL_SEND_LIMITS.customArgsBytes) {
      refused.push({ id: m.id, code: 'custom_args_too_large', message: `SendGrid limits custom arguments to ${MAIL_SEND_LIMITS.customArgsBytes} bytes` });
      continue;
    }
    const substitutionBytes = Buffer.byteLength(HTML_TAG + TEXT_TAG + m.html + m.text, 'utf8');
    if (substitutionBytes > MAIL_SEND_LIMITS.substitutionBytes) {
      const body: MailSendBody = { personalizations: [personalization(m, false)], ...envelope(m), content: directContent(m) };
      if (bytes(body) >= MAIL_SEND_LIMITS.requestBytes) {
        refused.push({ id: m.id, code: 'message_too_large', message: `the message is larger than SendGrid's 30 MB limit for one email` });
      } else {
        requests.push({ ids: [m.id], body });
      }
      continue;
    }
    const p = personalization(m, true);
    const size = bytes(p) + 1;
    const address = m.to.toLowerCase();
    const key = `${m.from}\n${m.replyTo ?? ''}`;
    const candidates = open.get(key) ?? [];
    let target = candidates.find(
      (o) => o.request.ids.length < MAIL_SEND_LIMITS.personalizations && o.size + size < MAIL_SEND_LIMITS.requestBytes && !o.addresses.has(address),
    );
    if (!target) {
      const body: MailSendBody = { personalizations: [], ...envelope(m), content: SHARED_CONTENT };
      target = { request: { ids: [], body }, size: bytes(body), addresses: new Set() };
      candidates.push(target);
      open.set(key, candidates);
      requests.push(target.request);
    }
    target.request.ids.push(m.id);
    target.request.body.personalizations.push(p);
    target.size += size;
    target.addresses.add(address);
  }
  return { requests, refused };
}

/** The two halves of a request SendGrid found too large (413); null for a single message. */
export function halve(request: MailRequest): [MailRequest, MailRequest] | null {
  const n = request.ids.length;
  if (n < 2) return null;
  const middle = Math.ceil(n / 2);
  const part = (from: number, to: number): MailRequest => ({
    ids: request.ids.slice(from, to),
    body: { ...request.body, personalizations: request.body.personalizations.slice(from, to) },
  });
  return [part(0, middle), part(middle, n)];
}
