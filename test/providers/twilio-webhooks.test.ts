// Twilio's webhooks on their own: the signature computed here from Twilio's documented algorithm
// (not the provider's code) accepted, every kind of refusal, status callbacks and inbound
// keywords parsed from saved payloads into delivery events.
import { describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../../src/domain/delivery.js';
import type { WebhookEndpoint, WebhookVerdict } from '../../src/providers/provider.js';
import { TwilioProvider } from '../../src/providers/twilio/twilio.provider.js';
import { ACCOUNT_SID, AUTH_TOKEN, signTwilio as sign, twilioFixture as fixture } from '../harness/twilio-api.js';

const STATUS_URL = 'http://crier.test/webhooks/twilio/status';
const INBOUND_URL = 'http://crier.test/webhooks/twilio/inbound';

const provider = new TwilioProvider({
  accountSid: ACCOUNT_SID,
  authToken: AUTH_TOKEN,
  sender: { from: '+15145550000' },
  baseUrl: 'http://127.0.0.1:9',
  numberType: 'long-code',
  validitySeconds: 14_400,
  concurrency: 1,
  publicUrl: 'http://crier.test',
  ingest: async () => {},
});
const endpoint = (path: string): WebhookEndpoint => provider.webhooks.find((w) => w.path === path)!;

function call(path: 'twilio/status' | 'twilio/inbound', params: URLSearchParams, options: { signature?: string | null; url?: string; body?: string } = {}) {
  const url = options.url ?? (path === 'twilio/status' ? STATUS_URL : INBOUND_URL);
  const signature = options.signature === undefined ? sign(url, params) : options.signature;
  return endpoint(path).handle({
    rawBody: Buffer.from(options.body ?? params.toString()),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
    url,
    now: 1_700_000_000_000,
  });
}

function events(verdict: WebhookVerdict): DeliveryEvent[] {
  if (!verdict.ok) throw new Error(`refused ${verdict.status}: ${verdict.reason}`);
  return verdict.events;
}

describe('Twilio webhook signature', () => {
  it('accepts a call signed as Twilio documents, including a URL with a query string', async () => {
    expect(events(await call('twilio/status', fixture('status-delivered')))).toHaveLength(1);
    expect(events(await call('twilio/status', fixture('status-delivered'), { url: `${STATUS_URL}?tenant=a&b=1` }))).toHaveLength(1);
  });

  it('refuses a missing signature (401) and a wrong token, a changed parameter, another URL (403), saying no token', async () => {
    const params = fixture('status-undelivered-30003');
    const verdicts = {
      missing: await call('twilio/status', params, { signature: null }),
      empty: await call('twilio/status', params, { signature: '' }),
      wrongToken: await call('twilio/status', params, { signature: sign(STATUS_URL, params, 'another-accounts-token') }),
      tampered: await call('twilio/status', params, { body: params.toString().replace('MessageStatus=undelivered', 'MessageStatus=delivered') }),
      addedParam: await call('twilio/status', params, { body: `${params.toString()}&Extra=1` }),
      otherUrl: await call('twilio/status', params, { signature: sign('http://crier.test/webhooks/twilio/inbound', params) }),
      garbage: await call('twilio/status', params, { signature: 'not base64 at all' }),
    };
    expect(verdicts.missing).toEqual({ ok: false, status: 401, reason: 'missing X-Twilio-Signature header' });
    expect(verdicts.empty).toMatchObject({ ok: false, status: 401 });
    for (const v of [verdicts.wrongToken, verdicts.tampered, verdicts.addedParam, verdicts.otherUrl, verdicts.garbage]) {
      expect(v).toEqual({ ok: false, status: 403, reason: 'X-Twilio-Signature does not match this URL and body' });
    }
    expect(JSON.stringify(verdicts)).not.toContain(AUTH_TOKEN);
  });

  it('checks the inbound endpoint alike', async () => {
    const params = fixture('inbound-stop');
    expect(await call('twilio/inbound', params, { signature: null })).toMatchObject({ ok: false, status: 401 });
    expect(await call('twilio/inbound', params, { signature: sign(STATUS_URL, params) })).toMatchObject({ ok: false, status: 403 });
  });
});

describe('Twilio status callbacks', () => {
  it('maps sent to accepted, delivered to delivered, with the MessageSid as the provider message id', async () => {
    const [sent] = events(await call('twilio/status', fixture('status-sent')));
    const [delivered] = events(await call('twilio/status', fixture('status-delivered')));
    expect(sent).toMatchObject({ provider: 'twilio', kind: 'accepted', providerMessageId: 'SM00000000000000000000000000000001', occurredAt: 1_700_000_000_000 });
    expect(delivered).toMatchObject({ kind: 'delivered', providerMessageId: 'SM00000000000000000000000000000001' });
    expect(delivered!.payload).toMatchObject({ MessageStatus: 'delivered', RawDlrDoneDate: '2501150930' });
    expect(sent!.eventKey).not.toBe(delivered!.eventKey);
  });

  it('maps every documented status', async () => {
    const kinds: Record<string, string> = {};
    for (const status of ['queued', 'accepted', 'sending', 'sent', 'delivered', 'undelivered', 'failed']) {
      const params = fixture('status-sent');
      params.set('MessageStatus', status);
      kinds[status] = events(await call('twilio/status', params))[0]!.kind;
    }
    expect(kinds).toEqual({ queued: 'accepted', accepted: 'accepted', sending: 'accepted', sent: 'accepted', delivered: 'delivered', undelivered: 'failed', failed: 'failed' });
  });

  it('gives failures the ErrorCode’s meaning; 30005 and 30006 suppress the number, 30003 does not', async () => {
    const [unreachable] = events(await call('twilio/status', fixture('status-undelivered-30003')));
    expect(unreachable).toMatchObject({ kind: 'failed', reason: 'Twilio error 30003: Unreachable destination handset', hardBounce: false });
    const [unknown] = events(await call('twilio/status', fixture('status-failed-30005')));
    expect(unknown).toMatchObject({ kind: 'failed', reason: 'Twilio error 30005: Unknown destination handset', hardBounce: true });
    const landline = fixture('status-failed-30005');
    landline.set('ErrorCode', '30006');
    expect(events(await call('twilio/status', landline))[0]).toMatchObject({ reason: 'Twilio error 30006: Landline or unreachable carrier', hardBounce: true });
    const other = fixture('status-failed-30005');
    other.set('ErrorCode', '30999');
    expect(events(await call('twilio/status', other))[0]!.reason).toBe('Twilio error 30999: see https://www.twilio.com/docs/api/errors/30999');
  });

  it('keys events by MessageSid + MessageStatus + ErrorCode: a repeat has the same key, another code another', async () => {
    const first = events(await call('twilio/status', fixture('status-undelivered-30003')))[0]!;
    const again = events(await call('twilio/status', fixture('status-undelivered-30003')))[0]!;
    const other = fixture('status-undelivered-30003');
    other.set('ErrorCode', '30007');
    const otherCode = events(await call('twilio/status', other))[0]!;
    expect(again.eventKey).toBe(first.eventKey);
    expect(otherCode.eventKey).not.toBe(first.eventKey);
  });

  it('answers 400 to a signed call without MessageSid or MessageStatus, and to a body that is not a form', async () => {
    const params = fixture('status-sent');
    params.delete('MessageStatus');
    params.delete('SmsStatus');
    expect(await call('twilio/status', params)).toEqual({ ok: false, status: 400, reason: 'a status callback needs MessageSid and MessageStatus' });
    const junk = new URLSearchParams();
    expect(await call('twilio/status', junk, { body: '{"MessageSid": "SM1"}' })).toMatchObject({ ok: false, status: 403 });
    const empty = new URLSearchParams();
    expect(await call('twilio/status', empty)).toMatchObject({ ok: false, status: 400 });
  });
});

describe('Twilio inbound messages', () => {
  const inbound = (body: string, optOutType?: string) => {
    const params = fixture('inbound-text');
    params.set('Body', body);
    if (optOutType) params.set('OptOutType', optOutType);
    return call('twilio/inbound', params);
  };

  it('turns each opt-out keyword, in any case and spacing, into a STOP of the sender’s number, with empty TwiML', async () => {
    for (const word of ['STOP', '  stop ', 'Stop', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit', 'REVOKE', 'optout']) {
      const verdict = await inbound(word);
      expect(verdict).toMatchObject({ ok: true, reply: { contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' } });
      expect(events(verdict)).toEqual([
        expect.objectContaining({ provider: 'twilio', kind: 'stop', phone: '+15142000001', eventKey: 'inbound:SM00000000000000000000000000000098' }),
      ]);
    }
  });

  it('turns START, UNSTOP and YES into a START', async () => {
    for (const word of ['START', ' start', 'Unstop', 'yes ']) expect(events(await inbound(word))).toEqual([expect.objectContaining({ kind: 'start', phone: '+15142000001' })]);
  });

  it('ignores any other text (and keywords inside a sentence), still answering empty TwiML', async () => {
    for (const text of ['Thanks, see you Tuesday', 'please stop sending', 'HELP', '']) {
      const verdict = await inbound(text);
      expect(events(verdict)).toEqual([]);
      expect(verdict).toMatchObject({ reply: { contentType: 'text/xml' } });
    }
  });

  it('follows Twilio’s OptOutType (Advanced Opt-Out’s custom keywords)', async () => {
    expect(events(await call('twilio/inbound', fixture('inbound-stop')))).toEqual([expect.objectContaining({ kind: 'stop', eventKey: 'inbound:SM00000000000000000000000000000099' })]);
    expect(events(await inbound('ARRET', 'STOP'))).toEqual([expect.objectContaining({ kind: 'stop' })]);
    expect(events(await inbound('HELP', 'HELP'))).toEqual([]);
  });
});
