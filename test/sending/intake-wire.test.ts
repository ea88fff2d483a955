// The events' columns to the intake's thread: every field of every kind of event comes back as it
// went, optional fields absent where they were, payloads read back whole, through a real clone.
import { describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../../src/domain/delivery.js';
import { fromColumns, toColumns } from '../../src/sending/intake-wire.js';

const events: DeliveryEvent[] = [
  { provider: 'sendgrid', kind: 'delivered', eventKey: 'ev-1', occurredAt: 1_764_633_600_000, providerMessageId: 'X1#7', messageId: 7, payload: { event: 'delivered', sg_event_id: 'ev-1', nested: { a: [1, 'b'] } } },
  { provider: 'sendgrid', kind: 'failed', eventKey: 'ev-2', occurredAt: 1_764_633_601_000, providerMessageId: 'X1#8', messageId: 8, hardBounce: true, reason: '550 5.1.1 no such user', payload: { event: 'bounce' } },
  { provider: 'mailgun', kind: 'failed', eventKey: 'mg-3', occurredAt: 1_764_633_602_500, providerMessageId: '<m@mg>', hardBounce: false, reason: 'mailbox full', payload: { 'event-data': { severity: 'temporary' } } },
  { provider: 'twilio', kind: 'accepted', eventKey: 'SM9:sent', occurredAt: 1_764_633_603_000, providerMessageId: 'SM9', payload: { MessageSid: 'SM9', MessageStatus: 'sent' } },
  { provider: 'twilio', kind: 'stop', eventKey: 'SMin:1', occurredAt: 1_764_633_604_000, phone: '+15145550000', payload: { Body: ' stop ', From: '+15145550000' } },
  { provider: 'twilio', kind: 'start', eventKey: 'SMin:2', occurredAt: 1_764_633_605_000, phone: '+15145550001', payload: null },
  { provider: 'sendgrid', kind: 'complaint', eventKey: 'ev-\u0000-é', occurredAt: 1_764_633_606_000, providerMessageId: 'X2#\u00009', payload: { text: 'naïve \u2028 ✓' } },
];

/** What an event holds, payload left out, as a plain object. */
const fields = (e: DeliveryEvent) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'payload'));

describe('intake wire', () => {
  it('brings every event back as it was, through structured clone; a delivery naming its message keeps its payload until asked', () => {
    const back = fromColumns(structuredClone(toColumns(events)));
    expect(back.events.map(fields)).toEqual(events.map(fields));
    // Optional fields stay absent (not undefined) where the event had none.
    expect(back.events.map((e) => Object.keys(e).sort())).toEqual(events.map((e) => Object.keys(e).filter((k) => k !== 'payload').sort()));
    expect(back.events.slice(1).map((e) => e.payload)).toEqual(events.slice(1).map((e) => e.payload));
    // The first is a delivery with Crier's id: its payload stayed with the sender.
    expect(back.held(back.events)).toEqual([0]);
    expect(back.held(back.events.slice(1))).toEqual([]);
    expect(() => back.events[0]!.payload).toThrow(/held by the sender/);
    back.fill([0], [events[0]!.payload]);
    expect(back.held(back.events)).toEqual([]);
    expect(back.events[0]!.payload).toEqual(events[0]!.payload);
  });

  it('sends the payloads as one JSON text, without the held ones, and the rest as columns', () => {
    const columns = toColumns(events);
    expect(JSON.parse(columns.payloads)).toEqual([null, ...events.slice(1).map((e) => e.payload)]);
    expect(Array.from(columns.held)).toEqual([1, 0, 0, 0, 0, 0, 0]);
    expect(columns.messageId).toBeInstanceOf(Float64Array);
    expect(Array.from(columns.hardBounce)).toEqual([0, 2, 1, 0, 0, 0, 0]);
  });

  it('takes an empty batch', () => {
    expect(fromColumns(structuredClone(toColumns([]))).events).toEqual([]);
  });
});
