// Twilio's request signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
// X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value,
// sorted by name)). It covers no timestamp and no nonce: a copied request verifies for ever, which
// is why every event's key is derived from its content (a replay is a duplicate, changing nothing).
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Params = readonly (readonly [name: string, value: string])[];

/** The form body's parameters in Twilio's signing order (by name, then value for repeated names). */
export function sortedParams(params: Params): Params {
  return [...params].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
}

export function twilioSignature(authToken: string, url: string, params: Params): string {
  const data = sortedParams(params).reduce((s, [name, value]) => s + name + value, url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function signatureMatches(authToken: string, url: string, params: Params, given: string): boolean {
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
