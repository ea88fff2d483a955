import { describe, expect, it } from 'vitest';
import {
  channelPlan,
  chooseLanguage,
  unreachable,
  type AudienceAccount,
  type AudienceContent,
} from '../../src/domain/audience.js';

describe('chooseLanguage', () => {
  it("takes the account's language when there is content in it", () => {
    expect(chooseLanguage('fr', ['en', 'fr'], 'en')).toBe('fr');
  });

  it('prefers an exact match to the base language', () => {
    expect(chooseLanguage('fr-CA', ['en', 'fr', 'fr-CA'], 'en')).toBe('fr-CA');
  });

  it('falls back from fr-CA to fr', () => {
    expect(chooseLanguage('fr-CA', ['en', 'fr'], 'en')).toBe('fr');
  });

  it('falls back from fr-CA to the default when there is no fr', () => {
    expect(chooseLanguage('fr-CA', ['en', 'es'], 'en')).toBe('en');
  });

  it('does not widen the content side: fr does not take fr-CA content', () => {
    expect(chooseLanguage('fr', ['en', 'fr-CA'], 'en')).toBe('en');
  });

  it('matches case-insensitively and answers in the spelling of the content', () => {
    expect(chooseLanguage('FR-ca', ['en', 'fr-CA'], 'en')).toBe('fr-CA');
    expect(chooseLanguage('fr-ca', ['en', 'FR'], 'en')).toBe('FR');
    expect(chooseLanguage(null, ['EN', 'fr'], 'en')).toBe('EN');
  });

  it('walks down a longer tag one subtag at a time', () => {
    expect(chooseLanguage('zh-Hant-TW', ['en', 'zh', 'zh-Hant'], 'en')).toBe('zh-Hant');
    expect(chooseLanguage('de-CH-x-work', ['en', 'de-CH'], 'en')).toBe('de-CH');
  });

  it('uses the default for an account without a language', () => {
    expect(chooseLanguage(null, ['en', 'fr'], 'fr')).toBe('fr');
  });
});

const reachable: AudienceAccount = {
  email: 'julie@example.com',
  phone: '+16135550142',
  emailConsent: true,
  smsConsent: true,
  language: 'fr-CA',
};
const both: AudienceContent = { defaultLanguage: 'en', email: { en: {}, fr: {} }, sms: { en: {} } };
const none = { email: false, sms: false };

describe('channelPlan', () => {
  it('sends both channels, each in its own best language', () => {
    expect(channelPlan(reachable, both, none)).toEqual({
      email: { send: true, address: 'julie@example.com', language: 'fr' },
      sms: { send: true, address: '+16135550142', language: 'en' },
    });
  });

  it('skips a channel the communication has no content for, as no_content', () => {
    const plan = channelPlan(reachable, { ...both, sms: null }, none);
    expect(plan.sms).toEqual({ send: false, reason: 'no_content' });
    expect(plan.email.send).toBe(true);
  });

  it('skips a channel without an address, as no_address', () => {
    const plan = channelPlan({ ...reachable, email: null, phone: '' }, both, none);
    expect(plan.email).toEqual({ send: false, reason: 'no_address' });
    expect(plan.sms).toEqual({ send: false, reason: 'no_address' });
  });

  it('skips a channel whose consent was withdrawn, as consent_withdrawn', () => {
    const plan = channelPlan({ ...reachable, smsConsent: false }, both, none);
    expect(plan.sms).toEqual({ send: false, reason: 'consent_withdrawn' });
    expect(plan.email.send).toBe(true);
    const noEmail = channelPlan({ ...reachable, emailConsent: false }, both, none);
    expect(noEmail.email).toEqual({ send: false, reason: 'consent_withdrawn' });
  });

  it('skips a suppressed address, as suppressed', () => {
    const plan = channelPlan(reachable, both, { email: true, sms: false });
    expect(plan.email).toEqual({ send: false, reason: 'suppressed' });
    expect(plan.sms.send).toBe(true);
    expect(channelPlan(reachable, both, { email: false, sms: true }).sms).toEqual({
      send: false,
      reason: 'suppressed',
    });
  });
});

describe('unreachable', () => {
  it('is null when any channel sends', () => {
    expect(unreachable(channelPlan({ ...reachable, email: null }, both, none))).toBeNull();
  });

  it('names the reason of each channel when none sends', () => {
    const account = { ...reachable, email: null, smsConsent: false };
    expect(unreachable(channelPlan(account, { ...both }, none))).toEqual({
      code: 'no_reachable_channel',
      reasons: { email: 'no_address', sms: 'consent_withdrawn' },
    });
    expect(unreachable(channelPlan(account, { ...both, email: null }, none))).toEqual({
      code: 'no_reachable_channel',
      reasons: { email: 'no_content', sms: 'consent_withdrawn' },
    });
  });
});
