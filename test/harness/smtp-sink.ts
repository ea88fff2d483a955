// A loopback SMTP server (smtp-server) for the SMTP provider's tests and bench/smtp.ts. In process,
// it keeps each message as received (raw bytes, envelope, login) and lets a test refuse a login or
// a recipient with the reply it chooses. Run as a child process (`node --import tsx
// test/harness/smtp-sink.ts`), it accepts and discards, with PIPELINING on, and reports its port
// and its count over IPC: the far end of the bench, on a core of its own.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SMTPServer, type SMTPServerAddress, type SMTPServerOptions } from 'smtp-server';

const FIXTURES = fileURLToPath(new URL('../providers/fixtures/smtp/', import.meta.url));
/** A self-signed certificate for localhost and 127.0.0.1 (test only; made with openssl req -x509). */
export const TEST_TLS = { key: readFileSync(`${FIXTURES}key.pem`), cert: readFileSync(`${FIXTURES}cert.pem`) };

export interface SinkMessage {
  from: string;
  to: string[];
  user: string | undefined;
  raw: Buffer;
  /** Whether the session was encrypted (STARTTLS or implicit TLS). */
  secure: boolean;
}

export interface SmtpReply {
  code: number;
  message: string;
}

export interface SinkOptions {
  /** Implicit TLS (smtps://) from the first byte. */
  secure?: boolean;
  /** Offer STARTTLS (default true; the certificate is TEST_TLS). */
  startTls?: boolean;
  /** Require this login (AUTH PLAIN and LOGIN); else no AUTH is needed. */
  auth?: { user: string; pass: string };
  /** The AUTH mechanisms offered (default PLAIN and LOGIN). */
  authMethods?: string[];
  /** Keep the messages (default true); false only counts them (the bench). */
  keep?: boolean;
  /** Hang up on a client idle this long (a relay closing kept-open connections). */
  idleTimeoutMs?: number;
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  count: number;
  /** Logins attempted, with whether they were accepted. */
  logins: { method: string; user: string; ok: boolean }[];
  /** Decides each RCPT TO; undefined accepts. */
  rcpt: (address: string) => SmtpReply | undefined;
  /** Decides each message after DATA; undefined accepts. */
  data: (message: SinkMessage) => SmtpReply | undefined;
  close(): Promise<void>;
}

function replyError(reply: SmtpReply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const keep = options.keep ?? true;
  const sink: SmtpSink = { port: 0, messages: [], count: 0, logins: [], rcpt: () => undefined, data: () => undefined, close: async () => {} };
  const serverOptions: SMTPServerOptions = {
    ...TEST_TLS,
    secure: options.secure ?? false,
    hideSTARTTLS: options.startTls === false,
    authOptional: !options.auth,
    authMethods: options.authMethods ?? ['PLAIN', 'LOGIN'],
    // Plain-text AUTH is fine on loopback when a test turns STARTTLS off.
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    ...(options.idleTimeoutMs ? { socketTimeout: options.idleTimeoutMs } : {}),
    onAuth(auth, _session, callback) {
      const ok = !!options.auth && auth.username === options.auth.user && auth.password === options.auth.pass;
      sink.logins.push({ method: auth.method, user: auth.username ?? '', ok });
      if (ok) callback(null, { user: auth.username });
      else callback(replyError({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const reply = sink.rcpt(address.address);
      callback(reply ? replyError(reply) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (keep) chunks.push(chunk);
      });
      stream.on('end', () => {
        const message: SinkMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks),
          secure: session.secure,
        };
        const reply = sink.data(message);
        if (reply) return callback(replyError(reply));
        sink.count++;
        if (keep) sink.messages.push(message);
        callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', () => {}); // a client hanging up mid-session is not the sink's failure
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sink;
}

// As a child process: a discarding sink that answers {type: 'count'} with how many it accepted.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.send) {
  const sink = await startSmtpSink({ keep: false, startTls: false });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'count') process.send!({ type: 'count', count: sink.count });
    if (m.type === 'close') void sink.close().then(() => process.exit(0));
  });
  process.send({ type: 'ready', port: sink.port });
}
