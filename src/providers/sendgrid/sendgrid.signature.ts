// The Signed Event Webhook: SendGrid signs the timestamp header followed by the raw body with
// ECDSA P-256 / SHA-256 and sends the base64 DER signature. node:crypto verifies it; SendGrid's
// @sendgrid/eventwebhook would only wrap the same check in a pure-JS ECDSA that is much slower.
import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import type { WebhookRequest, WebhookVerdict } from '../provider.js';

export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

type Refusal = Extract<WebhookVerdict, { ok: false }>;

/**
 * The verification key as SendGrid's console shows it (base64 DER SubjectPublicKeyInfo), or PEM.
 * Throws with a key-free message when it is not a P-256 public key.
 */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    key = trimmed.includes('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error('is not a public key: paste the verification key of the Signed Event Webhook (base64)');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('is not an ECDSA P-256 public key, which is what SendGrid signs with');
  }
  return key;
}

function single(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Null when the call is SendGrid's and fresh; else why not (401: unsigned, 403: does not verify or too old). */
export function checkSignature(key: KeyObject | null, request: WebhookRequest, maxAgeSeconds: number): Refusal | null {
  if (!key) {
    return { ok: false, status: 401, reason: 'SENDGRID_WEBHOOK_PUBLIC_KEY is not configured: SendGrid events cannot be verified, so none are taken' };
  }
  const signature = single(request.headers[SIGNATURE_HEADER]);
  const timestamp = single(request.headers[TIMESTAMP_HEADER]);
  if (!signature || !timestamp) {
    return { ok: false, status: 401, reason: 'unsigned call: no X-Twilio-Email-Event-Webhook-Signature / -Timestamp header (turn on the Signed Event Webhook)' };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, status: 403, reason: 'the signature timestamp is not a number of seconds' };
  const age = Math.floor(request.now / 1000) - Number(timestamp);
  if (age > maxAgeSeconds) return { ok: false, status: 403, reason: `signed ${age} s ago, older than CRIER_WEBHOOK_MAX_AGE_SECONDS (${maxAgeSeconds})` };
  if (age < -maxAgeSeconds) return { ok: false, status: 403, reason: `signed ${-age} s in the future: check this server's clock` };
  let valid = false;
  try {
    // Timestamp then body, hashed as they are (no copy of a body of ~200 KB into one buffer).
    valid = createVerify('sha256').update(timestamp, 'utf8').update(request.rawBody).verify({ key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? null : { ok: false, status: 403, reason: 'the signature does not verify with SENDGRID_WEBHOOK_PUBLIC_KEY' };
}
