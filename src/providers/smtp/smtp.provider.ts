// Email over SMTP through nodemailer's SMTP connections, pooled here (smtp.pool.ts):
// SMTP_POOL_SIZE connections kept open, each carrying up to SMTP_MAX_MESSAGES_PER_CONNECTION
// messages. The messages of a batch are handed to the pool at once and spread over its
// connections; each gets its own outcome, so one refused recipient fails only its message.
import type { Logger } from 'pino';
import type { Outcome, Outgoing, OutgoingEmail, Provider, ProviderCheck, ProviderLimits } from '../provider.js';
import { smtpFailure, type SmtpError, type SmtpPeer } from './smtp.failures.js';
import { SmtpMessages } from './smtp.message.js';
import { SmtpPool } from './smtp.pool.js';

export interface SmtpOptions {
  /** smtp://user:pass@host:port (STARTTLS when offered) or smtps://… (TLS from the first byte). */
  url: string;
  poolSize?: number;
  maxMessagesPerConnection?: number;
  /** false accepts a self-signed certificate (a relay on the same host, tests). */
  rejectUnauthorized?: boolean;
  maxBatchSize?: number;
  logger?: Logger;
}

export class SmtpProvider implements Provider {
  readonly name = 'smtp';
  readonly channels = ['email'] as const;
  readonly limits: ProviderLimits;
  private readonly pool: SmtpPool;
  private readonly peer: SmtpPeer;
  private readonly password: string;
  private readonly messages = new SmtpMessages();

  constructor(options: SmtpOptions) {
    // Parsed here, once: nodemailer gets the parts, so the URL (and its password) is never in its errors or logs.
    const url = new URL(options.url);
    const secure = url.protocol === 'smtps:';
    const user = url.username ? decodeURIComponent(url.username) : undefined;
    this.password = decodeURIComponent(url.password);
    this.peer = { user, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (secure ? 465 : 587) };
    const poolSize = options.poolSize ?? 5;
    this.limits = {
      maxBatchSize: options.maxBatchSize ?? 50,
      messagesPerSecond: Infinity,
      maxConcurrentRequests: poolSize,
      rateNote: `SMTP relay ${this.peer.host}:${this.peer.port}: no limit of its own (${poolSize} connections); set CRIER_EMAIL_RATE_LIMIT to what the relay allows`,
    };
    this.pool = new SmtpPool({
      host: this.peer.host,
      port: this.peer.port,
      secure,
      ...(user ? { auth: { user, pass: this.password } } : {}),
      size: poolSize,
      maxMessages: options.maxMessagesPerConnection ?? 1000,
      tls: { rejectUnauthorized: options.rejectUnauthorized ?? true, ...(isIp(this.peer.host) ? {} : { servername: this.peer.host }) },
      // Bulk sending wants to learn of a dead relay in seconds, not nodemailer's minutes.
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      // nodemailer (≥ 10.x) turns Nagle off on every connection itself (SMTPConnection._onConnect);
      // test/providers/smtp-settings.test.ts holds it to that.
      socketTimeout: 60_000,
    });
  }

  async send(batch: readonly Outgoing[]): Promise<Outcome[]> {
    return Promise.all(
      batch.map(async (m): Promise<Outcome> => {
        if (m.channel !== 'email') {
          return { id: m.id, ok: false, failure: { kind: 'permanent', code: 'unsupported_channel', message: 'the SMTP provider sends email only' } };
        }
        return this.sendOne(m);
      }),
    );
  }

  private async sendOne(email: OutgoingEmail): Promise<Outcome> {
    const { envelope, raw, messageId } = this.messages.build(email);
    try {
      const info = await this.pool.send(envelope, raw);
      // One recipient per message: a refusal the server gave for it is this message's failure.
      const refusal = info.rejectedErrors?.[0] as SmtpError | undefined;
      if (info.accepted.length === 0 || refusal) return { id: email.id, ok: false, failure: this.failure(refusal ?? { message: 'the server accepted no recipient' }) };
      return { id: email.id, ok: true, providerMessageId: messageId };
    } catch (err) {
      return { id: email.id, ok: false, failure: this.failure(err as SmtpError) };
    }
  }

  async check(): Promise<ProviderCheck> {
    const where = `SMTP server ${this.peer.host}:${this.peer.port}`;
    try {
      await this.pool.verify();
      return { ok: true, detail: `${where} accepted the connection${this.peer.user ? ` and the login of user ${this.peer.user}` : ''}` };
    } catch (err) {
      return { ok: false, detail: this.failure(err as SmtpError).message };
    }
  }

  async close(): Promise<void> {
    this.pool.close();
  }

  private failure(err: SmtpError) {
    const failure = smtpFailure(err, this.peer);
    return { ...failure, message: this.scrub(failure.message) };
  }

  /** A server may echo what it was sent; the password (or its AUTH PLAIN/LOGIN form) never goes further. */
  private scrub(text: string): string {
    if (this.password.length < 3) return text;
    const forms = [this.password, Buffer.from(this.password).toString('base64'), Buffer.from(`\0${this.peer.user ?? ''}\0${this.password}`).toString('base64')];
    return forms.reduce((t, f) => t.split(f).join('***'), text);
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
