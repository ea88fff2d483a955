// A loopback SendGrid v3 API: POST /v3/mail/send and GET /v3/scopes on 127.0.0.1, answering as
// SendGrid documents (202 with X-Message-Id and no body; errors as {"errors":[{message, field,
// help}]}; 429 with X-RateLimit-*), recording every request, with answers chosen per request.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { MailSendBody } from '../../src/providers/sendgrid/sendgrid.request.js';
import { listenOnLoopback } from './listen.js';

export interface SendGridApiAnswer {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; none for a 202. */
  body?: unknown;
}

export interface RecordedRequest {
  n: number;
  method: string;
  path: string;
  authorization: string | undefined;
  /** The mail/send body as received; null for other requests. */
  mail: MailSendBody | null;
  bytes: number;
}

/** A personalization SendGrid accepted: what a real account would later report events about. */
export interface AcceptedMessage {
  to: string;
  crierMessageId: string;
  /** Every custom argument of its personalization: SendGrid echoes them in each event. */
  customArgs: Record<string, string>;
  xMessageId: string;
  /** As SendGrid's events carry it: the X-Message-Id, a '.', and a per-recipient suffix. */
  sgMessageId: string;
}

export interface SendGridApi {
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  accepted: AcceptedMessage[];
  /** Chooses the answer to a mail/send request; undefined answers as SendGrid would (202). */
  answer: (request: RecordedRequest) => SendGridApiAnswer | undefined;
  close(): Promise<void>;
}

export const errorsBody = (message: string, field: string | null = null, help: string | null = null) => ({ errors: [{ message, field, help }] });

/** SendGrid's answers, as its documentation shows them. */
export const answers = {
  badRequest: (message: string, field: string | null): SendGridApiAnswer => ({ status: 400, body: errorsBody(message, field, 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html') }),
  unauthorized: (): SendGridApiAnswer => ({ status: 401, body: errorsBody('The provided authorization grant is invalid, expired, or revoked') }),
  forbidden: (message = 'access forbidden'): SendGridApiAnswer => ({ status: 403, body: errorsBody(message, message.includes('Sender Identity') ? 'from' : null) }),
  unverifiedSender: (): SendGridApiAnswer =>
    answers.forbidden(
      'The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved. Visit https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to see the Sender Identity requirements',
    ),
  tooLarge: (): SendGridApiAnswer => ({ status: 413, body: errorsBody('Payload Too Large') }),
  rateLimited: (resetEpochSeconds: number, extra: Record<string, string> = {}): SendGridApiAnswer => ({
    status: 429,
    headers: { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetEpochSeconds), ...extra },
    body: errorsBody('too many requests'),
  }),
  serverError: (status = 500): SendGridApiAnswer => ({ status, body: errorsBody(status === 503 ? 'Service Unavailable' : 'Internal Server Error') }),
};

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const messageId = () => randomBytes(16).toString('base64url').slice(0, 22);

export async function startSendGridApi(apiKey = `SG.loopback-${randomBytes(8).toString('hex')}.secret`): Promise<SendGridApi> {
  const state: SendGridApi = { url: '', apiKey, requests: [], accepted: [], answer: () => undefined, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const raw = await read(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const isMail = req.method === 'POST' && path === '/v3/mail/send';
    const recorded: RecordedRequest = {
      n: state.requests.length + 1,
      method: req.method ?? 'GET',
      path,
      authorization: req.headers.authorization,
      mail: isMail ? (JSON.parse(raw) as MailSendBody) : null,
      bytes: Buffer.byteLength(raw),
    };
    state.requests.push(recorded);
    const send = (a: SendGridApiAnswer) => {
      res.writeHead(a.status, { ...(a.body === undefined ? {} : { 'content-type': 'application/json' }), ...a.headers });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    };
    if (req.headers.authorization !== `Bearer ${state.apiKey}`) return send(answers.unauthorized());
    if (req.method === 'GET' && path === '/v3/scopes') return send({ status: 200, body: { scopes: ['mail.send', 'scopes.read'] } });
    if (!isMail) return send({ status: 404, body: errorsBody('resource not found') });
    const chosen = state.answer(recorded);
    if (chosen) return send(chosen);
    const mail = recorded.mail!;
    if (mail.personalizations.length > 1000) {
      return send(answers.badRequest(`The personalization block is limited to 1000 personalizations per API request. You have provided ${mail.personalizations.length} personalizations.`, 'personalizations'));
    }
    const id = messageId();
    mail.personalizations.forEach((p, i) =>
      state.accepted.push({ to: p.to[0]!.email, crierMessageId: p.custom_args.crier_message_id, customArgs: { ...p.custom_args }, xMessageId: id, sgMessageId: `${id}.recvd-7f6d8b9c-loop-1-${i}.0` }),
    );
    send({ status: 202, headers: { 'x-message-id': id } });
  });
  Object.assign(state, await listenOnLoopback(server));
  return state;
}

/** A Signed Event Webhook key pair: the private half signs here, the public half is SENDGRID_WEBHOOK_PUBLIC_KEY. */
export function webhookKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    publicBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    publicPem: String(publicKey.export({ format: 'pem', type: 'spki' })),
  };
}

/** The headers SendGrid sends with a signed post: ECDSA over the timestamp followed by the body. */
export function signedHeaders(privateKey: KeyObject, body: Buffer, timestampSeconds: number): Record<string, string> {
  const ts = String(Math.floor(timestampSeconds));
  const signature = sign('sha256', Buffer.concat([Buffer.from(ts), body]), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
  return { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': ts, 'content-type': 'application/json' };
}
