// A loopback Twilio REST API: "create a Message" (POST /2010-04-01/Accounts/{Sid}/Messages.json)
// and "fetch an Account" (GET /2010-04-01/Accounts/{Sid}.json), answering as Twilio documents:
// 201 with the Message resource, errors as {code, message, more_info, status}, 401 20003 for bad
// credentials, 429 20429 with Retry-After. It records every request; a test picks each answer.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listenOnLoopback } from './listen.js';

export interface TwilioRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The form's fields (empty for GET). */
  form: Record<string, string>;
}

export interface TwilioAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TwilioApi {
  url: string;
  accountSid: string;
  authToken: string;
  requests: TwilioRequest[];
  /** The answer to a create-Message request; default 201 with a new sid. */
  answer: (request: TwilioRequest, n: number) => TwilioAnswer;
  close(): Promise<void>;
}

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'f00dfeedcafe0123456789abcdef0123';

let sids = 0;
/** A Message SID as Twilio makes them: SM and 32 hex digits. */
export function newSid(): string {
  return `SM${(++sids).toString(16).padStart(8, '0')}${process.pid.toString(16).padStart(8, '0')}${'a'.repeat(16)}`;
}

/** Twilio's error body for `code`. */
export function twilioError(status: number, code: number, message: string, headers?: Record<string, string>): TwilioAnswer {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, ...(headers ? { headers } : {}) };
}

export const ERRORS = {
  invalidNumber: (to: string) => twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`),
  notMobile: (to: string) => twilioError(400, 21614, `'To' number ${to} is not a valid mobile number`),
  unsubscribed: () => twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'),
  authentication: () => twilioError(401, 20003, 'Authenticate'),
  tooManyRequests: (retryAfterSeconds: number) => twilioError(429, 20429, 'Too Many Requests', { 'retry-after': String(retryAfterSeconds) }),
  internal: () => twilioError(500, 20500, 'Internal Server Error'),
  unavailable: () => twilioError(503, 20503, 'Service Unavailable'),
};

function created(accountSid: string, form: Record<string, string>): TwilioAnswer {
  const now = new Date().toUTCString().replace('GMT', '+0000');
  const sid = newSid();
  return {
    status: 201,
    body: {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: form.Body ?? null,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: form.From ?? null,
      messaging_service_sid: form.MessagingServiceSid ?? null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status: form.MessagingServiceSid ? 'accepted' : 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to: form.To ?? null,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTwilioApi(options: { accountSid?: string; authToken?: string } = {}): Promise<TwilioApi> {
  const accountSid = options.accountSid ?? ACCOUNT_SID;
  const authToken = options.authToken ?? AUTH_TOKEN;
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const api: TwilioApi = {
    url: '',
    accountSid,
    authToken,
    requests: [],
    answer: (request) => created(accountSid, request.form),
    close: async () => {},
  };
  const account = `/2010-04-01/Accounts/${accountSid}`;
  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req);
    const path = (req.url ?? '').split('?')[0]!;
    const request: TwilioRequest = { method: req.method ?? '', path, headers: req.headers, form: Object.fromEntries(new URLSearchParams(text)) };
    api.requests.push(request);
    const send = (a: TwilioAnswer) => {
      res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8', ...a.headers });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    };
    if (req.headers.authorization !== expectedAuth) return send(ERRORS.authentication());
    if (req.method === 'GET' && path === `${account}.json`) {
      return send({ status: 200, body: { sid: accountSid, friendly_name: 'Crier test account', status: 'active', type: 'Full' } });
    }
    if (req.method === 'POST' && path === `${account}/Messages.json`) {
      if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return send(twilioError(400, 20001, 'Unsupported content type'));
      if (!request.form.To) return send(twilioError(400, 21604, "A 'To' phone number is required."));
      return send(api.answer(request, api.requests.length));
    }
    return send(twilioError(404, 20404, `The requested resource ${path} was not found`));
  });
  Object.assign(api, await listenOnLoopback(server));
  return api;
}

export { created as createdMessage };

/** A saved webhook body (test/providers/fixtures/twilio/<name>.txt), as Twilio posts it. */
export function twilioFixture(name: string): URLSearchParams {
  return new URLSearchParams(readFileSync(new URL(`../providers/fixtures/twilio/${name}.txt`, import.meta.url), 'utf8'));
}

/**
 * X-Twilio-Signature as Twilio documents it, written here apart from the provider's code: base64
 * HMAC-SHA1 with the auth token of the URL followed by each parameter's name and value, by name.
 */
export function signTwilio(url: string, params: URLSearchParams, token = AUTH_TOKEN): string {
  let data = url;
  for (const name of [...new Set(params.keys())].sort()) for (const value of params.getAll(name).sort()) data += name + value;
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}
