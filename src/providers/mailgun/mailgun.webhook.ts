// Mailgun's webhook: a JSON body `{ signature: { timestamp, token, signature }, "event-data" }`,
// signed as HMAC-SHA256 (hex) of timestamp + token with the account's webhook signing key. The
// signature is in the body, so the body is parsed before it is verified; nothing is stored before.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  ProviderCapabilities,
  WebhookEndpoint,
  WebhookRequest,
  WebhookVerdict,
} from '../provider.js';
import { mapMailgunEvent, PROVIDER } from './mailgun.events.js';

export interface MailgunWebhookOptions {
  signingKey?: string;
  maxAgeMs: number;
  firstUse: ProviderCapabilities['firstUse'];
  forget: ProviderCapabilities['forget'];
}

export function mailgunWebhook(options: MailgunWebhookOptions): WebhookEndpoint {
  return { path: 'mailgun', handle: (request) => handle(options, request) };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

async function handle(
  options: MailgunWebhookOptions,
  request: WebhookRequest,
): Promise<WebhookVerdict> {
  if (!options.signingKey)
    return {
      ok: false,
      status: 401,
      reason: 'Mailgun webhooks are not configured here: set MAILGUN_WEBHOOK_SIGNING_KEY',
    };
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return {
      ok: false,
      status: 400,
      reason: 'the body is not JSON (Mailgun sends application/json webhooks)',
    };
  }
  if (!isObject(body)) return { ok: false, status: 400, reason: 'the body is not a JSON object' };
  const signature = body.signature;
  if (!isObject(signature))
    return { ok: false, status: 401, reason: 'no Mailgun signature in the body' };
  const { timestamp, token } = signature;
  const hex = signature.signature;
  if (
    typeof hex !== 'string' ||
    typeof token !== 'string' ||
    (typeof timestamp !== 'string' && typeof timestamp !== 'number') ||
    token === '' ||
    hex === ''
  ) {
    return {
      ok: false,
      status: 401,
      reason: 'the Mailgun signature lacks its timestamp, token or signature',
    };
  }
  if (!verifies(options.signingKey, `${timestamp}${token}`, hex))
    return { ok: false, status: 403, reason: 'the Mailgun signature does not verify' };

  const signedAt = Number(timestamp) * 1000;
  if (!Number.isFinite(signedAt) || Math.abs(request.now - signedAt) > options.maxAgeMs) {
    return {
      ok: false,
      status: 403,
      reason: `the Mailgun signature's timestamp is more than ${options.maxAgeMs / 1000} s from now`,
    };
  }
  const mapped = mapMailgunEvent(body['event-data']);
  if (!mapped.ok) return { ok: false, status: 400, reason: mapped.reason };
  // Remembered as long as its timestamp would pass: after that the age check refuses it anyway.
  if (!(await options.firstUse(PROVIDER, token, signedAt + options.maxAgeMs, request.now))) {
    return {
      ok: false,
      status: 403,
      reason: 'this Mailgun webhook token was already used (a replay)',
    };
  }
  return { ok: true, events: mapped.event ? [mapped.event] : [], undo: () => options.forget(PROVIDER, token) };
}

function verifies(key: string, signed: string, hex: string): boolean {
  const expected = createHmac('sha256', key).update(signed).digest();
  if (!/^[0-9a-f]+$/i.test(hex) || hex.length !== expected.length * 2) return false;
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}
