// How long a send will take: the arithmetic and the words of Review & Send and the CLI.
import { describe, expect, it } from 'vitest';
import { effectivePerSecond, estimateSend, formatSeconds } from '../../src/domain/send-estimate.js';

const FOUR_HOURS = 4 * 3_600_000;

describe('send estimate', () => {
  it('25,000 SMS at 3 per second take about 2 h 19 min', () => {
    expect(estimateSend({ channel: 'sms', messages: 25_000, perSecond: 3 })).toEqual({
      channel: 'sms',
      messages: 25_000,
      perSecond: 3,
      seconds: 8334,
      text: '25,000 SMS at 3 per second: about 2 h 19 min',
      warning: null,
    });
  });

  it('1,000 emails at 100 per second take about 10 s', () => {
    expect(estimateSend({ channel: 'email', messages: 1_000, perSecond: 100 })).toMatchObject({
      seconds: 10,
      text: '1,000 emails at 100 per second: about 10 s',
      warning: null,
    });
  });

  it('warns when SMS would outlast the validity period, and only then', () => {
    const slow = estimateSend({ channel: 'sms', messages: 50_000, perSecond: 3, validityMs: FOUR_HOURS, provider: 'twilio' });
    expect(slow.text).toBe('50,000 SMS at 3 per second: about 4 h 38 min');
    expect(slow.warning).toMatch(/^50,000 SMS at 3 per second take about 4 h 38 min, longer than the 4 h Twilio keeps an SMS before dropping it/);
    expect(estimateSend({ channel: 'sms', messages: 25_000, perSecond: 3, validityMs: FOUR_HOURS, provider: 'twilio' }).warning).toBeNull();
    // Exactly at the validity period the last one still goes out in time.
    expect(estimateSend({ channel: 'sms', messages: 3 * 3600, perSecond: 3, validityMs: 3_600_000 }).warning).toBeNull();
    expect(estimateSend({ channel: 'sms', messages: 3 * 3600 + 1, perSecond: 3, validityMs: 3_600_000 }).warning).toMatch(/longer than the 1 h the provider keeps/);
  });

  it('gives no time without a rate limit, and says so', () => {
    for (const perSecond of [Infinity, 0]) {
      expect(estimateSend({ channel: 'email', messages: 40_000, perSecond, validityMs: 1000 })).toEqual({
        channel: 'email',
        messages: 40_000,
        perSecond: null,
        seconds: null,
        text: '40,000 emails, no rate limit: as fast as the provider accepts',
        warning: null,
      });
    }
  });

  it('words one message, none, and fractional rates', () => {
    expect(estimateSend({ channel: 'email', messages: 1, perSecond: 10 }).text).toBe('1 email at 10 per second: about 1 s');
    expect(estimateSend({ channel: 'sms', messages: 0, perSecond: 3 })).toMatchObject({ seconds: 0, text: '0 SMS: nothing to send' });
    expect(estimateSend({ channel: 'sms', messages: 90, perSecond: 0.5 }).text).toBe('90 SMS at 0.5 per second: about 3 min');
  });

  it('formats durations for people', () => {
    expect([0.2, 10, 59.5, 60, 400, 600, 2519, 3600, 8333.4, 86_400, 97_200].map(formatSeconds)).toEqual([
      '1 s',
      '10 s',
      '1 min',
      '1 min',
      '6 min 40 s',
      '10 min',
      '42 min',
      '1 h',
      '2 h 19 min',
      '1 d',
      '1 d 3 h',
    ]);
  });

  it("takes the operator's rate limit over the provider's own, as the sender does", () => {
    expect(effectivePerSecond(0, 3)).toBe(3);
    expect(effectivePerSecond(10, 3)).toBe(10);
    expect(effectivePerSecond(0, Infinity)).toBe(Infinity);
    expect(effectivePerSecond(5, Infinity)).toBe(5);
  });
});
