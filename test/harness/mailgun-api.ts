// A loopback Mailgun: the three calls Crier makes, answered as Mailgun documents them.
//   POST /v3/{domain}/messages   multipart/form-data or urlencoded; 200 {"id": "<…@domain>", "message": "Queued. Thank you."}
//   GET  /v3/{domain}/events     filtered by message-id and event ("a OR b"), paged by `paging.next`
//   GET  /v3/domains/{domain}    the domain (check())
// Bad credentials answer 401 "Forbidden" (plain text, as Mailgun does), an unknown domain 404.
// It records what it received and lets a test choose the answer of each send.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listenOnLoopback } from './listen.js';

export interface ReceivedSend {
  n: number;
  contentType: string;
  authorization: string | undefined;
  /** Every field in order (`to` repeats). */
  fields: [string, string][];
  to: string[];
  recipientVariables: Record<string, Record<string, string>>;
}

export interface MailgunApiAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface MailgunApi {
  url: string;
  domain: string;
  apiKey: string;
  sends: ReceivedSend[];
  eventQueries: URLSearchParams[];
  /** Events the events API knows (each an `event-data` object). */
  events: Record<string, unknown>[];
  /** The answer of a send; undefined: Mailgun's own (200 Queued, or 401/404/400 as it would). */
  answer: (send: ReceivedSend) => MailgunApiAnswer | undefined;
  /** The answer of an events call; undefined: the events. */
  eventsAnswer: (query: URLSearchParams) => MailgunApiAnswer | undefined;
  /** The id Mailgun gave request n (without angle brackets). */
  messageIdOf(n: number): string;
  close(): Promise<void>;
}

/** A field as one recipient receives it: each %recipient.x% replaced by that recipient's value. */
export function substituted(
  send: ReceivedSend,
  name: string,
  recipient: string,
): string | undefined {
  const value = send.fields.find(([n]) => n === name)?.[1];
  const vars = send.recipientVariables[recipient] ?? {};
  return value?.replace(/%recipient\.([^%]+)%/g, (_, key: string) => vars[key] ?? '');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startMailgunApi(
  options: { domain?: string; apiKey?: string } = {},
): Promise<MailgunApi> {
  const domain = options.domain ?? 'mg.example.com';
  const apiKey = options.apiKey ?? 'key-loopback-0123456789abcdef';
  const expectedAuth = `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;
  const messageIdOf = (n: number) => `20300101090000.${String(n).padStart(6, '0')}.loop@${domain}`;
  const api: MailgunApi = {
    url: '',
    domain,
    apiKey,
    sends: [],
    eventQueries: [],
    events: [],
    answer: () => undefined,
    eventsAnswer: () => undefined,
    messageIdOf,
    close: async () => {},
  };
  const reply = (res: import('node:http').ServerResponse, a: MailgunApiAnswer) => {
    const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {});
    res.writeHead(a.status, {
      'content-type': typeof a.body === 'string' ? 'text/plain' : 'application/json',
      ...a.headers,
    });
    res.end(text);
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const body = await readBody(req);
    if (req.headers.authorization !== expectedAuth)
      return reply(res, { status: 401, body: 'Forbidden' });
    const send = /^\/v3\/([^/]+)\/messages$/.exec(url.pathname);
    const events = /^\/v3\/([^/]+)\/events(?:\/(\d+))?$/.exec(url.pathname);
    const domainInfo = /^\/v[34]\/domains\/([^/]+)$/.exec(url.pathname);
    const named = decodeURIComponent((send ?? events ?? domainInfo)?.[1] ?? '');
    if (named !== domain)
      return reply(res, { status: 404, body: { message: `Domain not found: ${named}` } });

    if (send && req.method === 'POST') {
      const contentType = req.headers['content-type'] ?? '';
      const form = await new Response(body, {
        headers: { 'content-type': contentType },
      }).formData();
      const fields: [string, string][] = [];
      form.forEach((value, name) => fields.push([name, String(value)]));
      const to = fields.filter(([n]) => n === 'to').map(([, v]) => v);
      const rv = fields.find(([n]) => n === 'recipient-variables')?.[1];
      const received: ReceivedSend = {
        n: api.sends.length + 1,
        contentType,
        authorization: req.headers.authorization,
        fields,
        to,
        recipientVariables: rv ? (JSON.parse(rv) as ReceivedSend['recipientVariables']) : {},
      };
      api.sends.push(received);
      const chosen = api.answer(received);
      if (chosen) return reply(res, chosen);
      if (to.length === 0)
        return reply(res, { status: 400, body: { message: "'to' parameter is missing" } });
      if (to.length > 1000)
        return reply(res, {
          status: 400,
          body: { message: 'Too many recipients: the maximum is 1000' },
        });
      return reply(res, {
        status: 200,
        body: { id: `<${messageIdOf(received.n)}>`, message: 'Queued. Thank you.' },
      });
    }

    if (events && req.method === 'GET') {
      // A paging URL carries the original query and the offset it resumes at.
      const offset = Number(events[2] ?? 0);
      const query = url.searchParams;
      api.eventQueries.push(query);
      const chosen = api.eventsAnswer(query);
      if (chosen) return reply(res, chosen);
      const kinds = query.get('event')?.split(/\s+OR\s+/) ?? null;
      const limit = Math.min(300, Number(query.get('limit') ?? 100));
      const matching = api.events.filter((e) => {
        const headers =
          (e.message as { headers?: Record<string, string> } | undefined)?.headers ?? {};
        return (
          (!query.get('message-id') || headers['message-id'] === query.get('message-id')) &&
          (!kinds || kinds.includes(String(e.event)))
        );
      });
      const items = matching.slice(offset, offset + limit);
      const next = `${api.url}/v3/${domain}/events/${offset + items.length}?${query.toString()}`;
      return reply(res, {
        status: 200,
        body: {
          items,
          paging: { next, previous: `${api.url}/v3/${domain}/events/0?${query.toString()}` },
        },
      });
    }

    if (domainInfo && req.method === 'GET') {
      return reply(res, {
        status: 200,
        body: {
          domain: { name: domain, state: 'active', type: 'custom' },
          receiving_dns_records: [],
          sending_dns_records: [],
        },
      });
    }
    return reply(res, { status: 404, body: 'Not Found' });
  });
  Object.assign(api, await listenOnLoopback(server));
  return api;
}
