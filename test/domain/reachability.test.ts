import { describe, expect, it } from 'vitest';
import { describeUnreachable, unreachableDetail } from '../../src/domain/reachability.js';

const account = { email: 'ana@example.com', phone: '+15145550142', emailConsent: true, smsConsent: true, language: null };
const none = { email: false, sms: false };

describe('unreachableDetail', () => {
  it('is null while one channel can reach the account, whatever the other', () => {
    expect(unreachableDetail(account, none)).toBeNull();
    expect(unreachableDetail({ ...account, phone: null }, none)).toBeNull();
    expect(unreachableDetail({ ...account, emailConsent: false }, { email: false, sms: false })).toBeNull();
    expect(unreachableDetail(account, { email: true, sms: false })).toBeNull();
  });

  it('says why when neither channel can, in one phrase when both fail alike', () => {
    expect(unreachableDetail({ ...account, email: '', phone: null }, none)).toBe('no email and no phone');
    expect(unreachableDetail({ ...account, emailConsent: false, smsConsent: false }, none)).toBe('consent withdrawn');
    expect(unreachableDetail(account, { email: true, sms: true })).toBe('suppressed');
    expect(unreachableDetail({ ...account, phone: null }, { email: true, sms: false })).toBe('email suppressed; no phone');
    expect(unreachableDetail({ ...account, email: null, smsConsent: false }, none)).toBe('no email; SMS consent withdrawn');
  });

  it('names a missing content channel, which audience.ts may report', () => {
    expect(describeUnreachable({ email: 'no_content', sms: 'suppressed' })).toBe('no email content; phone suppressed');
  });
});
