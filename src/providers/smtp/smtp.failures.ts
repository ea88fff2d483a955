// What an SMTP answer means for the engine (domain/failure.ts). Reply codes decide first: RFC 5321
// makes every 4yz reply transient and every 5yz permanent (503, a bad sequence of commands, is
// about the session, not the message: retried). Without a reply, the phase decides: nothing could
// connect (refused, no such host, TLS refused) holds the provider without spending attempts, as
// an outage or a misconfiguration heals by itself or by the operator, not by retrying a message;
// a connection lost mid-conversation may or may not have delivered, so it is retried like a 4yz.
import type { ProviderFailure } from '../provider.js';

/** What nodemailer puts on its errors (SMTPError in its typings), as far as we read it. */
export interface SmtpError {
  message: string;
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejectedErrors?: SmtpError[];
}

/** Where the server is, for messages: never the URL, which carries the password. */
export interface SmtpPeer {
  user: string | undefined;
  host: string;
  port: number;
}

// System error codes of a connection that never reached an SMTP greeting.
const CANNOT_CONNECT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export function smtpFailure(err: SmtpError, peer: SmtpPeer): ProviderFailure {
  // A refused recipient carries its own reply; the envelope error only says "all were rejected".
  const rejected = err.rejectedErrors?.find((e) => e.responseCode) ?? err;
  const text = serverText(rejected);
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH' || err.responseCode === 535) {
    return { kind: 'unavailable', code: err.responseCode ? `smtp_${err.responseCode}` : 'smtp_auth', message: `SMTP authentication failed for user ${peer.user ?? '(none)'} at ${peer.host}:${peer.port}: ${text}` };
  }
  const reply = rejected.responseCode;
  if (reply && reply >= 400 && reply < 600) {
    const permanent = reply >= 500 && reply !== 503;
    return { kind: permanent ? 'permanent' : 'transient', code: `smtp_${reply}`, message: `${peer.host}:${peer.port} answered ${text}` };
  }
  const system = err.originalCode ?? err.code ?? '';
  // TLS refused (a certificate that does not verify, no common protocol): a setting to fix.
  if (err.code === 'ETLS' || /CERT|SSL|TLS/.test(system)) {
    return { kind: 'unavailable', code: 'smtp_tls', message: `TLS with SMTP server ${peer.host}:${peer.port} failed: ${text}` };
  }
  // nodemailer marks errors of the connection phase (before the greeting) with command CONN.
  if (CANNOT_CONNECT.has(system) || err.code === 'EDNS' || err.command === 'CONN') {
    return { kind: 'unavailable', code: 'smtp_connect', message: `cannot connect to SMTP server ${peer.host}:${peer.port}: ${text}` };
  }
  if (err.code === 'ETIMEDOUT') return { kind: 'transient', code: 'smtp_timeout', message: `SMTP server ${peer.host}:${peer.port} timed out: ${text}` };
  if (err.code === 'ECONNECTION' || err.code === 'ESOCKET') {
    return { kind: 'transient', code: 'smtp_connection', message: `connection to SMTP server ${peer.host}:${peer.port} lost: ${text}` };
  }
  return { kind: 'transient', code: 'smtp_error', message: `sending through ${peer.host}:${peer.port} failed: ${text}` };
}

/** The server's own reply when there is one, else nodemailer's description. */
function serverText(err: SmtpError): string {
  return (err.response ?? err.message).trim().slice(0, 500);
}
