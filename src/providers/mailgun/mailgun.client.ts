// A small typed client of the three Mailgun calls Crier makes, over one undici Pool: sending a
// batch (multipart/form-data), reading a message's events, and reading the domain (the check).
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';

export interface MailgunAnswer {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  text: string;
}

export interface MailgunClientOptions {
  apiKey: string;
  domain: string;
  baseUrl: string;
  connections?: number;
  /** Per request: a hung connection must end in a transient failure, not a stuck batch. */
  timeoutMs?: number;
}

/** Form fields in order; a name may repeat (`to`). */
export type FormFields = readonly (readonly [name: string, value: string])[];

export class MailgunClient {
  private readonly pool: Pool;
  private readonly authorization: string;
  private readonly domainPath: string;
  readonly origin: string;

  constructor(private readonly options: MailgunClientOptions) {
    const base = new URL(options.baseUrl);
    this.origin = base.origin;
    this.pool = new Pool(base.origin, {
      connections: options.connections ?? 8,
      pipelining: 1,
      headersTimeout: options.timeoutMs ?? 60_000,
      bodyTimeout: options.timeoutMs ?? 60_000,
    });
    this.authorization = `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`;
    this.domainPath = encodeURIComponent(options.domain);
  }

  /** POST /v3/{domain}/messages. */
  async sendMessage(fields: FormFields): Promise<MailgunAnswer> {
    const { body, contentType } = multipart(fields);
    return this.call('POST', `/v3/${this.domainPath}/messages`, body, contentType);
  }

  /** GET /v3/{domain}/events with a query, or a `paging.next` URL Mailgun gave. */
  async events(query: Readonly<Record<string, string>> | string): Promise<MailgunAnswer> {
    const path =
      typeof query === 'string'
        ? this.pathOf(query)
        : `/v3/${this.domainPath}/events?${new URLSearchParams(query).toString()}`;
    return this.call('GET', path);
  }

  /** GET /v3/domains/{domain}: authenticated, sends nothing. */
  async domain(): Promise<MailgunAnswer> {
    return this.call('GET', `/v3/domains/${this.domainPath}`);
  }

  /** Removes the key from any text that leaves this client (an echoing proxy, an error message). */
  redact(text: string): string {
    return this.options.apiKey === '' ? text : text.split(this.options.apiKey).join('***');
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** A paging URL is followed only on Mailgun's own origin: the key is never sent elsewhere. */
  private pathOf(url: string): string {
    const parsed = new URL(url, this.origin);
    if (parsed.origin !== this.origin)
      throw new Error(`Mailgun paging URL on another origin (${parsed.origin}): not followed`);
    return `${parsed.pathname}${parsed.search}`;
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: Buffer,
    contentType?: string,
  ): Promise<MailgunAnswer> {
    const headers: Record<string, string> = {
      authorization: this.authorization,
      accept: 'application/json',
    };
    if (contentType) headers['content-type'] = contentType;
    const response = await this.pool.request({ method, path, headers, ...(body ? { body } : {}) });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text };
  }
}

/** multipart/form-data by hand: one buffer, no streams, no dependency; values are UTF-8. */
export function multipart(fields: FormFields): { body: Buffer; contentType: string } {
  const boundary = `crier-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n]/g, '_')}"\r\n\r\n`,
        'utf8',
      ),
    );
    parts.push(Buffer.from(value, 'utf8'));
    parts.push(Buffer.from('\r\n', 'utf8'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
