import { describe, expect, it } from 'vitest';
import { nextDeliveryState, suppressionReason, type DeliveryEvent, type MessageEventKind } from '../../src/domain/delivery.js';
import type { DeliveryState } from '../../src/domain/message.js';
import { maskEmail } from '../../src/server/unsubscribe-page.js';

const STATES: DeliveryState[] = ['in_progress', 'delivered', 'failed', 'no_report'];
const KINDS: MessageEventKind[] = ['accepted', 'delivered', 'failed', 'complaint', 'unsubscribed'];

describe('nextDeliveryState', () => {
  it('follows the fixed precedence for every state and event', () => {
    const table = Object.fromEntries(STATES.map((s) => [s, Object.fromEntries(KINDS.map((k) => [k, nextDeliveryState(s, k)]))]));
    expect(table).toEqual({
      in_progress: { accepted: 'in_progress', delivered: 'delivered', failed: 'failed', complaint: 'in_progress', unsubscribed: 'in_progress' },
      delivered: { accepted: 'delivered', delivered: 'delivered', failed: 'failed', complaint: 'delivered', unsubscribed: 'delivered' },
      failed: { accepted: 'failed', delivered: 'failed', failed: 'failed', complaint: 'failed', unsubscribed: 'failed' },
      no_report: { accepted: 'no_report', delivered: 'delivered', failed: 'failed', complaint: 'no_report', unsubscribed: 'no_report' },
    });
  });

  it('reaches the same state whatever the order of the events', () => {
    const apply = (kinds: MessageEventKind[]) => kinds.reduce<DeliveryState>((s, k) => nextDeliveryState(s, k), 'in_progress');
    const kinds: MessageEventKind[] = ['accepted', 'delivered', 'failed', 'delivered', 'accepted'];
    for (let i = 0; i < 50; i++) expect(apply([...kinds].sort(() => Math.random() - 0.5))).toBe('failed');
    expect(apply(['delivered', 'accepted'])).toBe(apply(['accepted', 'delivered']));
  });
});

describe('suppressionReason', () => {
  const base = { provider: 'p', eventKey: 'k', occurredAt: 0, payload: null, providerMessageId: 'm' };
  it('suppresses hard bounces, complaints, unsubscribes and STOP only', () => {
    const of = (e: Partial<DeliveryEvent>) => suppressionReason({ ...base, ...e } as DeliveryEvent);
    expect(of({ kind: 'failed', hardBounce: true })).toBe('hard_bounce');
    expect(of({ kind: 'failed' })).toBeNull();
    expect(of({ kind: 'complaint' })).toBe('complaint');
    expect(of({ kind: 'unsubscribed' })).toBe('unsubscribed');
    expect(of({ kind: 'delivered' })).toBeNull();
    expect(of({ kind: 'accepted' })).toBeNull();
    expect(suppressionReason({ provider: 'twilio', eventKey: 'k', kind: 'stop', phone: '+15145550100', occurredAt: 0, payload: null })).toBe('sms_stop');
  });
});

describe('maskEmail', () => {
  it('keeps enough to recognise the address and hides the rest', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@e***.com');
    expect(maskEmail('a@b.co.uk')).toBe('a***@b***.uk');
    expect(maskEmail('x@localhost')).toBe('x***@l***');
    expect(maskEmail('not an address')).toBe('***');
  });
});
