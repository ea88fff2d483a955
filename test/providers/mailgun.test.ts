// Mailgun's sending against a loopback Mailgun: the request bodies (batch sending with recipient
// variables), each error class, splitting, the check, and the settings as the config loader sees them.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { baseUrlOf, mailgun } from '../../src/providers/mailgun/index.js';
import { MailgunProvider } from '../../src/providers/mailgun/mailgun.provider.js';
import type { Outcome, OutgoingEmail, ProviderCapabilities } from '../../src/providers/provider.js';
import { startMailgunApi, substituted, type MailgunApi } from '../harness/mailgun-api.js';

const NOW = Date.UTC(2030, 0, 1, 9, 0, 0);
const capabilities: Pick<ProviderCapabilities, 'firstUse' | 'forget' | 'awaitingReport' | 'ingest'> = {
  firstUse: async () => true,
  forget: async () => undefined,
  awaitingReport: async () => [],
  ingest: async () => ({}),
};

function email(
  id: number,
  to = `user${id}@example.com`,
  extra: Partial<OutgoingEmail> = {},
): OutgoingEmail {
  return {
    channel: 'email',
    id: String(id),
    to,
    from: 'Crier <news@mg.example.com>',
    replyTo: 'help@example.com',
    subject: `Notice for user ${id}`,
    html: `<p>Hello ${id}</p>`,
    text: `Hello ${id}`,
    headers: {
      'List-Unsubscribe': `<https://crier.test/u/${id}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Crier-Message-Id': String(id),
    },
    ...extra,
  };
}

const failures = (outcomes: Outcome[]) => outcomes.map((o) => (o.ok ? null : o.failure));

describe('Mailgun sending', () => {
  let api: MailgunApi;
  let provider: MailgunProvider;
  const make = (apiKey = api.apiKey, domain = api.domain) =>
    new MailgunProvider({
      apiKey,
      domain,
      baseUrl: api.url,
      webhookMaxAgeMs: 600_000,
      pollAfterMs: 3_600_000,
      capabilities,
      logger: pino({ level: 'silent' }),
      now: () => NOW,
    });
  beforeAll(async () => {
    api = await startMailgunApi();
    provider = make();
  });
  afterEach(() => {
    api.sends.length = 0;
    api.answer = () => undefined;
  });
  afterAll(async () => {
    await provider.close();
    await api.close();
  });

  it('sends a batch as one request: to, recipient-variables, %recipient% placeholders, v:crier_message_id, basic auth', async () => {
    const batch = [email(1), email(2), email(3)];
    const outcomes = await provider.send(batch);
    expect(api.sends).toHaveLength(1);
    const [send] = api.sends;
    expect(send!.authorization).toBe(
      `Basic ${Buffer.from(`api:${api.apiKey}`).toString('base64')}`,
    );
    expect(send!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(send!.to).toEqual(['user1@example.com', 'user2@example.com', 'user3@example.com']);
    const field = (name: string) => send!.fields.find(([n]) => n === name)?.[1];
    expect(field('from')).toBe('Crier <news@mg.example.com>');
    expect(field('h:Reply-To')).toBe('help@example.com');
    expect(field('subject')).toBe('%recipient.subject%');
    expect(field('html')).toBe('%recipient.html%');
    expect(field('text')).toBe('%recipient.text%');
    expect(field('h:List-Unsubscribe')).toBe('%recipient.h:List-Unsubscribe%');
    expect(field('h:X-Crier-Message-Id')).toBe('%recipient.h:X-Crier-Message-Id%');
    // The same for every message: sent as it is.
    expect(field('h:List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(field('v:crier_message_id')).toBe('%recipient.id%');
    expect(send!.recipientVariables['user2@example.com']).toEqual({
      id: '2',
      subject: 'Notice for user 2',
      html: '<p>Hello 2</p>',
      text: 'Hello 2',
      'h:List-Unsubscribe': '<https://crier.test/u/2>',
      'h:X-Crier-Message-Id': '2',
    });
    // What each recipient gets once Mailgun substitutes.
    expect(substituted(send!, 'subject', 'user3@example.com')).toBe('Notice for user 3');
    expect(substituted(send!, 'v:crier_message_id', 'user3@example.com')).toBe('3');
    expect(substituted(send!, 'h:List-Unsubscribe', 'user1@example.com')).toBe(
      '<https://crier.test/u/1>',
    );
    const id = api.messageIdOf(1);
    expect(outcomes.sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
      { id: '1', ok: true, providerMessageId: `${id}#1` },
      { id: '2', ok: true, providerMessageId: `${id}#2` },
      { id: '3', ok: true, providerMessageId: `${id}#3` },
    ]);
  });

  it('sends parts every message shares as they are', async () => {
    await provider.send([
      email(1, undefined, { subject: 'Same', text: 'Same text' }),
      email(2, undefined, { subject: 'Same', text: 'Same text' }),
    ]);
    const field = (name: string) => api.sends[0]!.fields.find(([n]) => n === name)?.[1];
    expect(field('subject')).toBe('Same');
    expect(field('text')).toBe('Same text');
    expect(api.sends[0]!.recipientVariables['user1@example.com']).not.toHaveProperty('subject');
  });

  it('carries 1,000 recipients a request at most (maxBatchSize) and UTF-8 intact', async () => {
    expect(provider.limits.maxBatchSize).toBe(1000);
    const batch = Array.from({ length: 1001 }, (_, i) =>
      email(i + 1, undefined, { subject: `Avis n° ${i + 1} — été` }),
    );
    const outcomes = await provider.send(batch);
    expect(api.sends.map((s) => s.to.length).sort((a, b) => a - b)).toEqual([1, 1000]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1001);
    const big = api.sends.find((s) => s.to.length === 1000)!;
    expect(substituted(big, 'subject', big.to[0]!)).toMatch(/^Avis n° \d+ — été$/);
  });

  it('never puts two messages to one address in one request', async () => {
    const batch = [
      email(1, 'ada@example.com'),
      email(2, 'bob@example.com'),
      email(3, 'ADA@example.com'),
      email(4, 'ada@example.com'),
    ];
    const outcomes = await provider.send(batch);
    expect(api.sends).toHaveLength(3);
    for (const send of api.sends)
      expect(new Set(send.to.map((t) => t.toLowerCase())).size).toBe(send.to.length);
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    expect(
      new Set(
        [1, 3, 4].map(
          (n) =>
            (byId.get(String(n)) as { providerMessageId: string }).providerMessageId.split('#')[0],
        ),
      ).size,
    ).toBe(3);
    // Each request's variables carry its own message's id.
    const ids = api.sends
      .map(
        (s) => s.recipientVariables[s.to.find((t) => t.toLowerCase() === 'ada@example.com')!]!.id,
      )
      .sort();
    expect(ids).toEqual(['1', '3', '4']);
  });

  it('400: permanent with Mailgun’s message', async () => {
    api.answer = () => ({
      status: 400,
      body: { message: "'from' parameter is not a valid address. please check documentation" },
    });
    const outcomes = await provider.send([email(1), email(2)]);
    expect(api.sends).toHaveLength(1);
    expect(failures(outcomes)).toEqual([
      {
        kind: 'permanent',
        code: 'http_400',
        message:
          "Mailgun refused the message: 'from' parameter is not a valid address. please check documentation",
      },
      {
        kind: 'permanent',
        code: 'http_400',
        message:
          "Mailgun refused the message: 'from' parameter is not a valid address. please check documentation",
      },
    ]);
  });

  it('400 naming a recipient: halves until the bad address is alone, the others sent', async () => {
    api.answer = (s) =>
      s.to.includes('bad@example.com')
        ? {
            status: 400,
            body: { message: "'to' parameter is not a valid address. please check documentation" },
          }
        : undefined;
    const outcomes = await provider.send([
      email(1),
      email(2, 'bad@example.com'),
      email(3),
      email(4),
    ]);
    const bad = outcomes.find((o) => o.id === '2')!;
    expect(bad.ok).toBe(false);
    expect(
      outcomes
        .filter((o) => o.ok)
        .map((o) => o.id)
        .sort(),
    ).toEqual(['1', '3', '4']);
  });

  it('401: unavailable, no key in the message; 402/403: account or domain disabled; 404: unknown domain', async () => {
    const wrong = make('key-wrong-secret-value');
    const [refused] = await wrong.send([email(1)]);
    await wrong.close();
    expect(refused).toMatchObject({
      ok: false,
      failure: { kind: 'unavailable', code: 'http_401' },
    });
    expect(JSON.stringify(refused)).not.toContain('key-wrong-secret-value');
    expect(JSON.stringify(refused)).not.toContain(api.apiKey);

    for (const status of [402, 403]) {
      api.answer = () => ({ status, body: { message: 'Domain mg.example.com is disabled' } });
      const [o] = await provider.send([email(1)]);
      expect(o).toMatchObject({
        ok: false,
        failure: { kind: 'unavailable', code: `http_${status}` },
      });
      expect((o as { failure: { message: string } }).failure.message).toMatch(/disabled/);
    }
    api.answer = () => undefined;
    const unknown = make(api.apiKey, 'nope.example.com');
    const [o404] = await unknown.send([email(1)]);
    await unknown.close();
    expect(o404).toMatchObject({ ok: false, failure: { kind: 'unavailable', code: 'http_404' } });
    expect((o404 as { failure: { message: string } }).failure.message).toMatch(
      /nope\.example\.com.*MAILGUN_DOMAIN/,
    );
  });

  it('413: splits the request and sends the halves; one message still too large fails alone', async () => {
    api.answer = (s) =>
      s.to.length > 2 || s.to.includes('huge@example.com')
        ? { status: 413, body: 'Request Entity Too Large' }
        : undefined;
    const outcomes = await provider.send([
      email(1),
      email(2),
      email(3),
      email(4),
      email(5, 'huge@example.com'),
    ]);
    expect(
      outcomes
        .filter((o) => o.ok)
        .map((o) => o.id)
        .sort(),
    ).toEqual(['1', '2', '3', '4']);
    expect(outcomes.find((o) => o.id === '5')).toMatchObject({
      ok: false,
      failure: { kind: 'permanent', code: 'http_413' },
    });
  });

  it('429: rate_limited with Retry-After, else X-RateLimit-Reset', async () => {
    api.answer = () => ({
      status: 429,
      body: { message: 'Too many requests' },
      headers: { 'retry-after': '7' },
    });
    expect(failures(await provider.send([email(1)]))).toEqual([
      {
        kind: 'rate_limited',
        code: 'http_429',
        message: 'Mailgun rate limit reached (429): Too many requests',
        retryAfterMs: 7000,
      },
    ]);
    api.answer = () => ({
      status: 429,
      body: { message: 'Too many requests' },
      headers: { 'x-ratelimit-reset': String(NOW + 12_000) },
    });
    expect(failures(await provider.send([email(1)]))[0]).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 12_000,
    });
  });

  it('5xx and a network failure: transient', async () => {
    api.answer = () => ({ status: 503, body: 'Service Unavailable' });
    expect(failures(await provider.send([email(1)]))[0]).toMatchObject({
      kind: 'transient',
      code: 'http_503',
    });
    const down = new MailgunProvider({
      apiKey: 'key-x',
      domain: 'mg.example.com',
      baseUrl: 'http://127.0.0.1:9',
      webhookMaxAgeMs: 1,
      pollAfterMs: 1,
      capabilities,
      logger: pino({ level: 'silent' }),
      now: () => NOW,
    });
    const [o] = await down.send([email(1)]);
    await down.close();
    expect(o).toMatchObject({ ok: false, failure: { kind: 'transient', code: 'network' } });
    expect(JSON.stringify(o)).not.toContain('key-x');
  });

  it('refuses SMS', async () => {
    expect(
      await provider.send([{ channel: 'sms', id: '9', to: '+14385550101', body: 'hi' }]),
    ).toEqual([
      {
        id: '9',
        ok: false,
        failure: {
          kind: 'permanent',
          code: 'channel_unsupported',
          message: 'Mailgun sends email only',
        },
      },
    ]);
  });

  it('check(): an authenticated GET of the domain; a wrong key says so without the key', async () => {
    expect(await provider.check()).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/domains\/mg\.example\.com: 200.*active/),
    });
    const wrong = make('key-wrong-secret-value');
    const result = await wrong.check();
    await wrong.close();
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/401, the API key is refused/);
    expect(result.detail).not.toContain('key-wrong-secret-value');
    expect(api.sends).toHaveLength(0);
  });
});

describe('Mailgun settings', () => {
  it('requires the key and the domain once chosen, naming them, never printing a secret', () => {
    let error: Error | undefined;
    try {
      loadConfig({
        env: {
          CRIER_EMAIL_PROVIDER: 'mailgun',
          MAILGUN_WEBHOOK_SIGNING_KEY: 'whsec-very-secret',
          MAILGUN_REGION: 'eu',
        },
      });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(/MAILGUN_API_KEY: .*required when CRIER_EMAIL_PROVIDER=mailgun/);
    expect(error?.message).toMatch(/MAILGUN_DOMAIN: .*required/);
    expect(error?.message).not.toContain('whsec-very-secret');
    const badRegion = (() => {
      try {
        loadConfig({
          env: {
            CRIER_EMAIL_PROVIDER: 'mailgun',
            MAILGUN_API_KEY: 'key-top-secret',
            MAILGUN_DOMAIN: 'mg.example.com',
            MAILGUN_REGION: 'asia',
          },
        });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(badRegion).toMatch(/MAILGUN_REGION/);
    expect(badRegion).not.toContain('key-top-secret');
  });

  it('defaults: US base URL, EU by MAILGUN_REGION, MAILGUN_BASE_URL wins; polling after 60 minutes', () => {
    const config = loadConfig({
      env: {
        CRIER_EMAIL_PROVIDER: 'mailgun',
        MAILGUN_API_KEY: 'key-a',
        MAILGUN_DOMAIN: 'mg.example.com',
      },
    });
    const parsed = mailgun.settings.parse(config.settings) as Record<string, unknown>;
    expect(parsed.MAILGUN_POLL_AFTER_MINUTES).toBe(60);
    expect(parsed.CRIER_WEBHOOK_MAX_AGE_SECONDS).toBe(600);
    expect(mailgun.secrets).toEqual(['MAILGUN_API_KEY', 'MAILGUN_WEBHOOK_SIGNING_KEY']);
    const settingsOf = (env: Record<string, string>) =>
      mailgun.settings.parse({
        MAILGUN_API_KEY: 'key-a',
        MAILGUN_DOMAIN: 'mg.example.com',
        ...env,
      }) as Parameters<typeof baseUrlOf>[0];
    expect(baseUrlOf(settingsOf({}))).toBe('https://api.mailgun.net');
    expect(baseUrlOf(settingsOf({ MAILGUN_REGION: 'eu' }))).toBe('https://api.eu.mailgun.net');
    expect(
      baseUrlOf(settingsOf({ MAILGUN_REGION: 'eu', MAILGUN_BASE_URL: 'http://127.0.0.1:1' })),
    ).toBe('http://127.0.0.1:1');
  });
});
