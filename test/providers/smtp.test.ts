// The SMTP provider against a real SMTP server (smtp-server on loopback): what each message looks
// like once received and parsed back, TLS both ways, logins, and how each refusal maps onto the
// engine's failure kinds.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import type { Outcome, OutgoingEmail } from '../../src/providers/provider.js';
import { SmtpProvider, type SmtpOptions } from '../../src/providers/smtp/smtp.provider.js';
import { startSmtpSink, type SinkOptions, type SmtpSink } from '../harness/smtp-sink.js';

const PASS = 's3cr3t-Pa55w0rd';
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function sink(options: SinkOptions = {}): Promise<SmtpSink> {
  const s = await startSmtpSink(options);
  open.push(s);
  return s;
}

function provider(url: string, options: Partial<SmtpOptions> = {}): SmtpProvider {
  const p = new SmtpProvider({ url, rejectUnauthorized: false, poolSize: 2, ...options });
  open.push({ close: () => p.close() });
  return p;
}

function email(id: number, to: string, extra: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    channel: 'email',
    id: String(id),
    to,
    from: 'Équipe Réseau <noreply@isp.example>',
    replyTo: 'Support Client <support@isp.example>',
    subject: 'Panne de service – 数据',
    text: `Bonjour ${id}, le service est interrompu.`,
    html: `<p>Bonjour ${id}, le service est <b>interrompu</b>.</p>`,
    headers: {
      'List-Unsubscribe': `<https://crier.test/u/${id}>, <mailto:unsubscribe@isp.example?subject=${id}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Crier-Message-Id': String(id),
    },
    ...extra,
  };
}

const failureOf = (outcomes: Outcome[], id: string) => {
  const o = outcomes.find((x) => x.id === id)!;
  if (o.ok) throw new Error(`message ${id} was accepted`);
  return o.failure;
};

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('SMTP provider: the messages', () => {
  it('sends each message as multipart/alternative with UTF-8 subject and names, one List-Unsubscribe, our Message-ID, over STARTTLS', async () => {
    const s = await sink({ auth: { user: 'crier', pass: PASS } });
    const p = provider(`smtp://crier:${PASS}@127.0.0.1:${s.port}`);
    const batch = [email(101, 'a@example.com'), email(102, 'b@example.com'), email(103, 'c@example.com', { replyTo: undefined })];
    const outcomes = await p.send(batch);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(s.messages).toHaveLength(3);
    expect(s.messages.every((m) => m.secure && m.user === 'crier' && m.from === 'noreply@isp.example')).toBe(true);

    for (const m of s.messages) {
      const parsed: ParsedMail = await simpleParser(m.raw);
      const id = parsed.headers.get('x-crier-message-id') as string;
      const outcome = outcomes.find((o) => o.id === id)!;
      expect(m.to).toEqual([batch.find((b) => b.id === id)!.to]);
      expect(parsed.subject).toBe('Panne de service – 数据');
      expect(parsed.from?.value).toEqual([{ name: 'Équipe Réseau', address: 'noreply@isp.example' }]);
      expect(parsed.text?.trim()).toBe(`Bonjour ${id}, le service est interrompu.`);
      expect(parsed.html).toContain(`<p>Bonjour ${id}, le service est <b>interrompu</b>.</p>`);
      expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
      // Message-ID carries Crier's id and the From's domain; it is the provider message id.
      expect(parsed.messageId).toMatch(new RegExp(`^<crier\\.${id}\\.[0-9a-f]{12}@isp\\.example>$`));
      expect(outcome).toEqual({ id, ok: true, providerMessageId: parsed.messageId!.slice(1, -1) });
      // Exactly one List-Unsubscribe header, with both URIs as given.
      const unsubscribe = parsed.headerLines.filter((h) => h.key === 'list-unsubscribe');
      expect(unsubscribe).toHaveLength(1);
      expect(unsubscribe[0]!.line.replace(/\r\n\s+/g, ' ')).toBe(`List-Unsubscribe: <https://crier.test/u/${id}>, <mailto:unsubscribe@isp.example?subject=${id}>`);
      expect(parsed.headerLines.filter((h) => h.key === 'list-unsubscribe-post').map((h) => h.line)).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
      if (id === '103') expect(parsed.replyTo).toBeUndefined();
      else expect(parsed.replyTo?.value).toEqual([{ name: 'Support Client', address: 'support@isp.example' }]);
    }
    expect(new Set(outcomes.map((o) => (o.ok ? o.providerMessageId : ''))).size).toBe(3);
  });

  it('sends to an internationalised domain in its punycode form, with the same headers', async () => {
    const s = await sink({ startTls: false });
    const [outcome] = await provider(`smtp://127.0.0.1:${s.port}`).send([email(55, 'jose@exämple.com')]);
    expect(outcome).toMatchObject({ ok: true });
    // Sent as punycode; smtp-server hands the address back decoded.
    expect(s.messages[0]!.to).toEqual([expect.stringMatching(/^jose@(exämple|xn--exmple-cua)\.com$/)]);
    expect(s.messages[0]!.raw.toString()).toMatch(/^To: jose@xn--exmple-cua\.com\r$/m);
    const parsed = await simpleParser(s.messages[0]!.raw);
    expect(parsed.messageId).toBe(`<${(outcome as Extract<Outcome, { ok: true }>).providerMessageId}>`);
    expect(parsed.subject).toBe('Panne de service – 数据');
    expect(parsed.headerLines.filter((h) => h.key === 'list-unsubscribe')).toHaveLength(1);
    expect(parsed.from?.value).toEqual([{ name: 'Équipe Réseau', address: 'noreply@isp.example' }]);
  });

  it('speaks TLS from the first byte with smtps://', async () => {
    const s = await sink({ secure: true });
    const p = provider(`smtps://127.0.0.1:${s.port}`);
    const [outcome] = await p.send([email(7, 'tls@example.com')]);
    expect(outcome).toMatchObject({ ok: true });
    expect(s.messages[0]!.secure).toBe(true);
  });

  it('sends in the clear to a server that offers no STARTTLS', async () => {
    const s = await sink({ startTls: false });
    const [outcome] = await provider(`smtp://127.0.0.1:${s.port}`).send([email(8, 'plain@example.com')]);
    expect(outcome).toMatchObject({ ok: true });
    expect(s.messages[0]!.secure).toBe(false);
  });

  it('refuses a self-signed certificate unless SMTP_TLS_REJECT_UNAUTHORIZED is false: unavailable, not a spent attempt', async () => {
    const s = await sink();
    const p = provider(`smtp://127.0.0.1:${s.port}`, { rejectUnauthorized: true });
    const [outcome] = await p.send([email(9, 'x@example.com')]);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'unavailable', code: 'smtp_tls' } });
    expect(s.messages).toHaveLength(0);
  });

  it('sends once more over a fresh connection when the relay closed a kept-open one meanwhile: each message once', async () => {
    const s = await sink({ startTls: false, idleTimeoutMs: 150 });
    const p = provider(`smtp://127.0.0.1:${s.port}`, { poolSize: 1 });
    expect(await p.send([email(61, 'first@example.com')])).toMatchObject([{ ok: true }]);
    await new Promise((r) => setTimeout(r, 400));
    expect(await p.send([email(62, 'second@example.com')])).toMatchObject([{ ok: true }]);
    expect(s.messages.map((m) => m.to[0])).toEqual(['first@example.com', 'second@example.com']);
  });

  it('carries many messages over few connections, renewing each after its message limit', async () => {
    const s = await sink({ startTls: false });
    const p = provider(`smtp://127.0.0.1:${s.port}`, { poolSize: 2, maxMessagesPerConnection: 3 });
    const outcomes = await p.send(Array.from({ length: 20 }, (_, i) => email(100 + i, `m${i}@example.com`)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(new Set(s.messages.map((m) => m.to[0])).size).toBe(20);
    expect(s.messages).toHaveLength(20);
  });

  it('states its limits: the pool size in flight, no rate of its own', () => {
    const p = provider('smtp://127.0.0.1:25', { poolSize: 7 });
    expect(p.limits).toMatchObject({ maxBatchSize: 50, messagesPerSecond: Infinity, maxConcurrentRequests: 7 });
    expect(p.limits.rateNote).toContain('CRIER_EMAIL_RATE_LIMIT');
  });
});

describe('SMTP provider: logins', () => {
  for (const method of ['PLAIN', 'LOGIN']) {
    it(`logs in with AUTH ${method}`, async () => {
      const s = await sink({ auth: { user: 'crier', pass: PASS }, authMethods: [method] });
      const [outcome] = await provider(`smtp://crier:${PASS}@127.0.0.1:${s.port}`).send([email(1, 'a@example.com')]);
      expect(outcome).toMatchObject({ ok: true });
      expect(s.logins).toEqual([{ method, user: 'crier', ok: true }]);
    });
  }

  it('a refused login (535) holds the provider (unavailable) and names user and host, never the password', async () => {
    const s = await sink({ auth: { user: 'crier', pass: 'the-right-one' } });
    const p = provider(`smtp://crier:${PASS}@127.0.0.1:${s.port}`);
    const outcomes = await p.send([email(1, 'a@example.com'), email(2, 'b@example.com')]);
    for (const id of ['1', '2']) {
      const failure = failureOf(outcomes, id);
      expect(failure).toMatchObject({ kind: 'unavailable', code: 'smtp_535' });
      expect(failure.message).toContain(`SMTP authentication failed for user crier at 127.0.0.1:${s.port}`);
      expect(failure.message).toContain('Authentication credentials invalid');
      expect(failure.message).not.toContain(PASS);
      expect(failure.message).not.toContain(Buffer.from(`\0crier\0${PASS}`).toString('base64'));
    }
    const check = await p.check();
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('SMTP authentication failed for user crier');
    expect(check.detail).not.toContain(PASS);
  });
});

describe('SMTP provider: refusals', () => {
  it('a recipient refused with 550 fails that message permanently; the rest of the batch goes through', async () => {
    const s = await sink();
    s.rcpt = (address) => (address === 'gone@example.com' ? { code: 550, message: '5.1.1 <gone@example.com>: Recipient address rejected: User unknown' } : undefined);
    const batch = [email(1, 'a@example.com'), email(2, 'gone@example.com'), email(3, 'c@example.com')];
    const outcomes = await provider(`smtp://127.0.0.1:${s.port}`).send(batch);
    expect(failureOf(outcomes, '2')).toMatchObject({ kind: 'permanent', code: 'smtp_550' });
    expect(failureOf(outcomes, '2').message).toContain('User unknown');
    expect(outcomes.filter((o) => o.ok).map((o) => o.id).sort()).toEqual(['1', '3']);
    expect(s.messages.map((m) => m.to[0]).sort()).toEqual(['a@example.com', 'c@example.com']);
  });

  it('451 (greylisting, a full queue) is transient, with the server text', async () => {
    const s = await sink();
    s.rcpt = () => ({ code: 451, message: '4.7.1 Greylisted, please try again later' });
    const [outcome] = await provider(`smtp://127.0.0.1:${s.port}`).send([email(4, 'grey@example.com')]);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'transient', code: 'smtp_451' } });
    expect((outcome as Extract<Outcome, { ok: false }>).failure.message).toContain('Greylisted');
  });

  it('a message refused after DATA (554) is permanent; 421 there is transient', async () => {
    const s = await sink();
    s.data = (m) => (m.to[0] === 'spam@example.com' ? { code: 554, message: '5.7.1 Message rejected as spam' } : { code: 421, message: '4.3.2 Service shutting down' });
    const outcomes = await provider(`smtp://127.0.0.1:${s.port}`).send([email(5, 'spam@example.com'), email(6, 'later@example.com')]);
    expect(failureOf(outcomes, '5')).toMatchObject({ kind: 'permanent', code: 'smtp_554' });
    expect(failureOf(outcomes, '6')).toMatchObject({ kind: 'transient', code: 'smtp_421' });
  });

  it('a server that is down holds the provider (unavailable): no attempt is spent while nothing can connect', async () => {
    const port = await closedPort();
    const p = provider(`smtp://crier:${PASS}@127.0.0.1:${port}`);
    const [outcome] = await p.send([email(1, 'a@example.com')]);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'unavailable', code: 'smtp_connect' } });
    const failure = (outcome as Extract<Outcome, { ok: false }>).failure;
    expect(failure.message).toContain(`127.0.0.1:${port}`);
    expect(failure.message).not.toContain(PASS);
  });
});

describe('SMTP provider: check()', () => {
  it('verifies the connection and login without sending', async () => {
    const s = await sink({ auth: { user: 'crier', pass: PASS } });
    const check = await provider(`smtp://crier:${PASS}@127.0.0.1:${s.port}`).check();
    expect(check).toEqual({ ok: true, detail: `SMTP server 127.0.0.1:${s.port} accepted the connection and the login of user crier` });
    expect(s.messages).toHaveLength(0);
  });

  it('reports a server that cannot be reached', async () => {
    const port = await closedPort();
    const check = await provider(`smtp://crier:${PASS}@127.0.0.1:${port}`).check();
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(`cannot connect to SMTP server 127.0.0.1:${port}`);
    expect(check.detail).not.toContain(PASS);
  });
});
