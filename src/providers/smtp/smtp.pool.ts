// A pool of nodemailer's SMTP connections (nodemailer/lib/smtp-connection), each carrying one
// message at a time, the message already composed as bytes (smtp.mime.ts). nodemailer's own pool
// puts every message through its Mailer, MailComposer and MIME tree and a stream pipeline: profiled
// on 10,000 messages that was most of the sender's CPU (random boundaries and Message-IDs it then
// replaces, an AbortController and a DOMException per pipeline), for bytes we already have.
// Connections are opened when needed, logged in once, reset after a refused message, renewed
// after `maxMessages`, and dropped on any other error (the next message opens a fresh one).
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface SmtpPoolOptions {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
  size: number;
  maxMessages: number;
  tls: { rejectUnauthorized: boolean; servername?: string };
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
}

export interface SmtpEnvelope {
  from: string;
  to: string[];
}

export interface SmtpSent {
  accepted: string[];
  rejected: string[];
  rejectedErrors?: Error[];
  response: string;
}

export type SmtpFailureError = Error & { code?: string; responseCode?: number; command?: string };

interface Slot {
  connection: SMTPConnection | null;
  messages: number;
  busy: boolean;
}

export class SmtpPool {
  private readonly slots: Slot[];
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private closed = false;

  constructor(private readonly options: SmtpPoolOptions) {
    this.slots = Array.from({ length: options.size }, () => ({ connection: null, messages: 0, busy: false }));
  }

  /** Sends one message over the first free connection. Rejects with nodemailer's error (code, responseCode, command). */
  async send(envelope: SmtpEnvelope, raw: Buffer): Promise<SmtpSent> {
    const slot = await this.take();
    try {
      return await this.sendOn(slot, envelope, raw, true);
    } finally {
      this.give(slot);
    }
  }

  /** Connects and logs in on a connection of its own, then says goodbye: the credentials work. */
  async verify(): Promise<void> {
    const connection = await this.open();
    connection.quit();
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots) {
      slot.connection?.quit();
      slot.connection = null;
    }
  }

  private async sendOn(slot: Slot, envelope: SmtpEnvelope, raw: Buffer, mayRetry: boolean): Promise<SmtpSent> {
    const reused = slot.connection !== null;
    if (slot.connection === null || slot.messages >= this.options.maxMessages) {
      slot.connection?.quit();
      slot.connection = null;
      slot.messages = 0;
      slot.connection = await this.open();
    }
    const connection = slot.connection;
    try {
      const sent = await new Promise<SmtpSent>((resolve, reject) => connection.send(envelope, raw, (err, info) => (err ? reject(err) : resolve(info as SmtpSent))));
      slot.messages++;
      return sent;
    } catch (err) {
      const e = err as SmtpFailureError;
      if (isRefusal(e)) {
        // The server refused this message; the session is fine once reset.
        slot.messages++;
        await new Promise<void>((resolve) => connection.reset((resetErr) => (resetErr ? this.drop(slot) : undefined, resolve())));
        throw e;
      }
      this.drop(slot);
      // A kept-open connection the server had closed meanwhile: nothing of the message was
      // accepted (no reply to its first command), so it goes once more over a fresh connection.
      if (reused && mayRetry && e.responseCode === undefined && e.command !== 'DATA') return this.sendOn(slot, envelope, raw, false);
      throw e;
    }
  }

  private open(): Promise<SMTPConnection> {
    const { options } = this;
    const connection = new SMTPConnection({
      host: options.host,
      port: options.port,
      secure: options.secure,
      tls: options.tls,
      connectionTimeout: options.connectionTimeout,
      greetingTimeout: options.greetingTimeout,
      socketTimeout: options.socketTimeout,
      logger: false,
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        connection.close();
        reject(err);
      };
      connection.once('error', fail);
      connection.connect((err) => {
        if (err) return fail(err);
        const ready = () => {
          if (settled) return;
          settled = true;
          connection.removeListener('error', fail);
          // Later errors reach the message being sent through its callback; keep the emitter quiet.
          connection.on('error', () => undefined);
          resolve(connection);
        };
        if (!options.auth || !connection.allowsAuth) return ready();
        connection.login(options.auth, (loginErr) => (loginErr ? fail(loginErr) : ready()));
      });
    });
  }

  private drop(slot: Slot): void {
    slot.connection?.close();
    slot.connection = null;
    slot.messages = 0;
  }

  private take(): Promise<Slot> {
    if (this.closed) return Promise.reject(Object.assign(new Error('the SMTP pool is closed'), { code: 'ECLOSED' }));
    const free = this.slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else slot.busy = false;
  }
}

/** A refusal of this message (envelope or content), not of the connection: the session carries on. */
function isRefusal(e: SmtpFailureError): boolean {
  return (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && e.responseCode !== 421;
}
