// The SendGrid provider's sending against a loopback SendGrid: the requests it makes (1,000
// personalizations at most, per-message content as substitutions, headers, custom_args) and how
// each of SendGrid's answers becomes an outcome; its check(); its settings in the config loader.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Outcome, OutgoingEmail } from '../../src/providers/provider.js';
import { SendGridProvider } from '../../src/providers/sendgrid/sendgrid.provider.js';
import { HTML_TAG, parseAddress, TEXT_TAG } from '../../src/providers/sendgrid/sendgrid.request.js';
import { answers, startSendGridApi, type SendGridApi } from '../harness/sendgrid-api.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function email(n: number, extra: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    channel: 'email',
    id: String(n),
    to: `user${n}@example.com`,
    from: 'Crier Notices <notices@crier.example>',
    replyTo: 'help@crier.example',
    subject: `Notice for U${n}`,
    html: `<p>Hello U${n}</p>`,
    text: `Hello U${n}`,
    headers: { 'List-Unsubscribe': `<https://crier.test/u/${n}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Crier-Message-Id': String(n) },
    ...extra,
  };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => email(from + i));
const failures = (outcomes: Outcome[]) => outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);

describe('SendGrid sending', () => {
  let api: SendGridApi;
  let provider: SendGridProvider;
  const logLines: string[] = [];
  const make = (apiKey: string, baseUrl = api.url) =>
    new SendGridProvider({
      apiKey,
      baseUrl,
      webhookKey: null,
      webhookMaxAgeSeconds: 600,
      logger: pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) }),
      now: () => NOW,
    });

  beforeAll(async () => {
    api = await startSendGridApi();
    provider = make(api.apiKey);
  });
  afterAll(async () => {
    await provider?.close();
    await api?.close();
  });
  afterEach(() => {
    api.requests.length = 0;
    api.accepted.length = 0;
    api.answer = () => undefined;
  });

  it('sends 1,000 messages in one request: content as substitutions, subject, headers and custom_args per personalization', async () => {
    const batch = range(1, 1000);
    const outcomes = await provider.send(batch);
    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request!.authorization).toBe(`Bearer ${api.apiKey}`);
    const mail = request!.mail!;
    expect(mail.personalizations).toHaveLength(1000);
    expect(mail.from).toEqual({ email: 'notices@crier.example', name: 'Crier Notices' });
    expect(mail.reply_to).toEqual({ email: 'help@crier.example' });
    expect(mail.content).toEqual([
      { type: 'text/plain', value: TEXT_TAG },
      { type: 'text/html', value: HTML_TAG },
    ]);
    expect(mail.personalizations[41]).toEqual({
      to: [{ email: 'user42@example.com' }],
      subject: 'Notice for U42',
      headers: { 'List-Unsubscribe': '<https://crier.test/u/42>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Crier-Message-Id': '42' },
      substitutions: { [HTML_TAG]: '<p>Hello U42</p>', [TEXT_TAG]: 'Hello U42' },
      custom_args: { crier_message_id: '42' },
    });
    const xMessageId = api.accepted[0]!.xMessageId;
    expect(outcomes).toHaveLength(1000);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes.find((o) => o.id === '42')).toEqual({ id: '42', ok: true, providerMessageId: `${xMessageId}#42` });
    expect(provider.limits.maxBatchSize).toBe(1000);
    expect(provider.limits.rateNote).toMatch(/429/);
  });

  it('never puts more than 1,000 personalizations in a request, nor one address twice', async () => {
    const batch = [...range(1, 1001), email(5000, { to: 'USER1@example.com' })];
    const outcomes = await provider.send(batch);
    expect(api.requests.map((r) => r.mail!.personalizations.length)).toEqual([1000, 2]);
    expect(api.requests[1]!.mail!.personalizations.map((p) => p.to[0]!.email)).toEqual(['user1001@example.com', 'USER1@example.com']);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1002);
  });

  it('sends a message too big for substitutions in a request of its own, content direct', async () => {
    const big = email(7, { html: `<p>${'x'.repeat(60_000)}</p>` });
    const outcomes = await provider.send([email(6), big, email(8)]);
    expect(api.requests).toHaveLength(2);
    const alone = api.requests.find((r) => r.mail!.personalizations.length === 1)!.mail!;
    expect(alone.personalizations[0]!.custom_args).toEqual({ crier_message_id: '7' });
    expect(alone.personalizations[0]!.substitutions).toBeUndefined();
    expect(alone.content).toEqual([
      { type: 'text/plain', value: 'Hello U7' },
      { type: 'text/html', value: big.html },
    ]);
    expect(api.requests.find((r) => r.mail!.personalizations.length === 2)!.mail!.personalizations.map((p) => p.custom_args.crier_message_id)).toEqual(['6', '8']);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('refuses a message larger than SendGrid takes without sending it', async () => {
    const outcomes = await provider.send([email(1, { html: 'y'.repeat(30_000_000) })]);
    expect(api.requests).toHaveLength(0);
    expect(failures(outcomes)[0]!.failure).toMatchObject({ kind: 'permanent', code: 'message_too_large' });
  });

  it('400: permanent, with SendGrid error text and the field it names', async () => {
    api.answer = () => answers.badRequest('Invalid type. Expected: string, given: integer.', 'personalizations.0.subject');
    const outcomes = await provider.send(range(1, 3));
    expect(outcomes).toHaveLength(3);
    for (const o of failures(outcomes)) {
      expect(o.failure).toEqual({ kind: 'permanent', code: 'http_400', message: 'SendGrid refused the message: personalizations.0.subject: Invalid type. Expected: string, given: integer.' });
    }
  });

  it('401: unavailable (the breaker holds the provider), and the rest of the batch is not tried', async () => {
    const wrong = make('SG.wrong-key');
    const outcomes = await wrong.send([...range(1, 2), email(9, { html: 'z'.repeat(60_000) })]);
    await wrong.close();
    expect(api.requests).toHaveLength(1);
    expect(outcomes).toHaveLength(3);
    for (const o of failures(outcomes)) expect(o.failure).toMatchObject({ kind: 'unavailable', code: 'http_401', message: expect.stringMatching(/401.*authorization grant is invalid/) });
  });

  it('403: unavailable; an unverified sender identity says so', async () => {
    api.answer = () => answers.unverifiedSender();
    const [unverified] = failures(await provider.send([email(1)]));
    expect(unverified!.failure).toMatchObject({ kind: 'unavailable', code: 'sendgrid_unverified_sender', message: expect.stringMatching(/not a verified Sender Identity/) });
    api.answer = () => answers.forbidden();
    const [forbidden] = failures(await provider.send([email(2)]));
    expect(forbidden!.failure).toMatchObject({ kind: 'unavailable', code: 'http_403', message: expect.stringMatching(/mail\.send permission.*access forbidden/) });
  });

  it('413: splits the request in halves until SendGrid takes them; a single message still too large is permanent', async () => {
    api.answer = (r) => (r.mail!.personalizations.length > 2 || r.mail!.personalizations.some((p) => p.custom_args.crier_message_id === '8') ? answers.tooLarge() : undefined);
    const outcomes = await provider.send(range(1, 8));
    expect(api.requests.map((r) => r.mail!.personalizations.length)).toEqual([8, 4, 2, 2, 4, 2, 2, 1, 1]);
    expect(outcomes).toHaveLength(8);
    expect(outcomes.filter((o) => o.ok).map((o) => o.id).sort()).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(failures(outcomes)).toEqual([{ id: '8', ok: false, failure: expect.objectContaining({ kind: 'permanent', code: 'http_413' }) }]);
  });

  it('429: rate limited until X-RateLimit-Reset, else Retry-After', async () => {
    api.answer = () => answers.rateLimited(NOW / 1000 + 42);
    const [byReset] = failures(await provider.send([email(1)]));
    expect(byReset!.failure).toEqual({ kind: 'rate_limited', code: 'http_429', message: 'SendGrid answers 429 (rate limit of the plan): too many requests', retryAfterMs: 42_000 });
    api.answer = () => ({ status: 429, headers: { 'retry-after': '7' }, body: { errors: [{ field: null, message: 'too many requests' }] } });
    const [byRetryAfter] = failures(await provider.send([email(2)]));
    expect(byRetryAfter!.failure).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7_000 });
  });

  it('5xx and no answer: transient', async () => {
    for (const status of [500, 503]) {
      api.answer = () => answers.serverError(status);
      const [failed] = failures(await provider.send([email(status)]));
      expect(failed!.failure).toMatchObject({ kind: 'transient', code: `http_${status}` });
    }
    const closed = await startSendGridApi();
    const url = closed.url;
    await closed.close();
    const offline = make(api.apiKey, url);
    const [unreachable] = failures(await offline.send([email(1)]));
    await offline.close();
    expect(unreachable!.failure).toMatchObject({ kind: 'transient', code: 'network', message: expect.stringMatching(/no answer from SendGrid \(ECONNREFUSED\)/) });
  });

  it('refuses SMS', async () => {
    const [sms] = failures(await provider.send([{ channel: 'sms', id: '1', to: '+15145550100', body: 'hi' }]));
    expect(sms!.failure).toMatchObject({ kind: 'permanent', code: 'wrong_channel' });
    expect(api.requests).toHaveLength(0);
  });

  it('never shows the API key: not in outcomes, not in logs, not in check()', async () => {
    api.answer = (r) => answers.badRequest(`bad request from ${r.authorization ?? ''}`, null);
    const [echoed] = failures(await provider.send([email(1)]));
    expect(echoed!.failure.message).toBe('SendGrid refused the message: bad request from Bearer (hidden)');
    api.answer = () => answers.unauthorized();
    await provider.send([email(2)]);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(api.apiKey);
    expect(logLines.join('\n')).toMatch(/SendGrid refused a request/);
  });

  it('check(): ok with a key that may send; "401 …" with one that is refused', async () => {
    expect(await provider.check()).toEqual({ ok: true, detail: 'GET /v3/scopes: 200, the API key may send (2 permissions)' });
    const wrong = make('SG.not-the-key');
    const refused = await wrong.check();
    await wrong.close();
    expect(refused).toEqual({ ok: false, detail: 'GET /v3/scopes: 401 The provided authorization grant is invalid, expired, or revoked' });
    expect(api.requests.every((r) => r.method === 'GET' && r.path === '/v3/scopes')).toBe(true);
  });
});

describe('SendGrid settings', () => {
  it('parses "Name <address>" and bare addresses', () => {
    expect(parseAddress('Crier <crier@localhost>')).toEqual({ email: 'crier@localhost', name: 'Crier' });
    expect(parseAddress('"Ops, Team" <ops@example.com>')).toEqual({ email: 'ops@example.com', name: 'Ops, Team' });
    expect(parseAddress('plain@example.com')).toEqual({ email: 'plain@example.com' });
  });

  it('needs SENDGRID_API_KEY once chosen, and never shows it in the error', () => {
    expect(() => loadConfig({ env: { CRIER_EMAIL_PROVIDER: 'sendgrid' } })).toThrow(/SENDGRID_API_KEY: is required.*when CRIER_EMAIL_PROVIDER=sendgrid/);
    const secret = 'SG.very-secret-key-value';
    let message = '';
    try {
      loadConfig({ env: { CRIER_EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: secret, SENDGRID_WEBHOOK_PUBLIC_KEY: 'bm90IGEga2V5' } });
    } catch (err) {
      message = JSON.stringify({ message: (err as Error).message, details: (err as { details?: unknown }).details });
    }
    expect(message).toMatch(/SENDGRID_WEBHOOK_PUBLIC_KEY/);
    expect(message).not.toContain(secret);
    try {
      loadConfig({ env: { CRIER_EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: secret, SENDGRID_BASE_URL: 'not a url' } });
    } catch (err) {
      message = JSON.stringify({ message: (err as Error).message, details: (err as { details?: unknown }).details });
    }
    expect(message).toMatch(/SENDGRID_BASE_URL/);
    expect(message).not.toContain(secret);
  });

  it('loads with a key alone (webhooks then refused), defaulting the base URL', () => {
    const config = loadConfig({ env: { CRIER_EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: 'SG.k' } });
    expect(config.settings.SENDGRID_BASE_URL).toBe('https://api.sendgrid.com');
    expect(config.settings.CRIER_WEBHOOK_MAX_AGE_SECONDS).toBe(600);
  });
});
