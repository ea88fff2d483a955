// The SMTP provider's settings as the config loader sees them, and Nagle's algorithm off on every
// pooled connection (with it on, each pipelined command waits for the previous ACK: ~220 msg/s).
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { SmtpProvider } from '../../src/providers/smtp/smtp.provider.js';
import { startSmtpSink, type SinkOptions } from '../harness/smtp-sink.js';

const PASS = 'hunter2-but-longer';
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ env: { DATABASE_URL: ':memory:', ...env } });
  } catch (err) {
    return `${(err as Error).message} ${JSON.stringify((err as { details?: unknown }).details ?? '')}`;
  }
  throw new Error('the configuration was accepted');
}

describe('SMTP settings', () => {
  it('requires SMTP_URL once smtp is the email provider', () => {
    expect(configError({ CRIER_EMAIL_PROVIDER: 'smtp' })).toMatch(/SMTP_URL.*required.*CRIER_EMAIL_PROVIDER=smtp/s);
    expect(() => loadConfig({ env: { DATABASE_URL: ':memory:' } })).not.toThrow();
  });

  it('rejects a URL that is not smtp:// or smtps:// without printing it', () => {
    const message = configError({ CRIER_EMAIL_PROVIDER: 'smtp', SMTP_URL: `http://crier:${PASS}@mail.example:25` });
    expect(message).toContain('SMTP_URL');
    expect(message).not.toContain(PASS);
  });

  it('takes the defaults and the operator values, and keeps SMTP_URL secret', () => {
    const config = loadConfig({ env: { DATABASE_URL: ':memory:', CRIER_EMAIL_PROVIDER: 'smtp', SMTP_URL: `smtps://crier:${PASS}@mail.example`, SMTP_POOL_SIZE: '8', SMTP_TLS_REJECT_UNAUTHORIZED: 'false' } });
    expect(smtp.settings.parse(config.settings)).toEqual({ SMTP_URL: `smtps://crier:${PASS}@mail.example`, SMTP_POOL_SIZE: 8, SMTP_MAX_MESSAGES_PER_CONNECTION: 1000, SMTP_TLS_REJECT_UNAUTHORIZED: false });
    expect(smtp.secrets).toEqual(['SMTP_URL']);
  });
});

/** Node keeps a socket's TCP_NODELAY choice under an internal symbol; there is no public getter. */
function noDelay(socket: Socket): boolean | undefined {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  return symbol ? (socket as unknown as Record<symbol, boolean>)[symbol] : undefined;
}

function clientSocketsTo(port: number): Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h): h is Socket => h instanceof Socket && h.remotePort === port);
}

describe('SMTP pool connections', () => {
  const cases: [string, SinkOptions, string][] = [
    ['plain', { startTls: false }, 'smtp'],
    ['STARTTLS', {}, 'smtp'],
    ['implicit TLS', { secure: true }, 'smtps'],
  ];
  for (const [name, options, scheme] of cases) {
    it(`turn Nagle off (${name})`, async () => {
      const sink = await startSmtpSink(options);
      open.push(sink);
      const provider = new SmtpProvider({ url: `${scheme}://127.0.0.1:${sink.port}`, rejectUnauthorized: false, poolSize: 3 });
      open.push({ close: () => provider.close() });
      const batch = Array.from({ length: 6 }, (_, i) => ({ channel: 'email' as const, id: String(i), to: `n${i}@example.com`, from: 'a@isp.example', subject: 's', text: 't', html: '<p>t</p>', headers: {} }));
      expect((await provider.send(batch)).every((o) => o.ok)).toBe(true);
      const sockets = clientSocketsTo(sink.port);
      expect(sockets.length).toBeGreaterThan(0);
      for (const socket of sockets) expect(noDelay(socket)).toBe(true);
    });
  }
});
