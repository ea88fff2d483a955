import { describe, expect, it } from 'vitest';
import { contentSchema, MAX_SMS_CHARS, MAX_SUBJECT_CHARS } from '../../src/content/content.js';

const email = { subject: 'Outage', html: '<p>Outage</p>', text: 'Outage' };

function messages(input: unknown): string[] {
  const result = contentSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('contentSchema', () => {
  it('accepts content and spells language tags canonically', () => {
    const parsed = contentSchema.parse({
      defaultLanguage: 'EN',
      email: { en: email, 'fr-ca': email },
      sms: null,
    });
    expect(parsed.defaultLanguage).toBe('en');
    expect(Object.keys(parsed.email ?? {})).toEqual(['en', 'fr-CA']);
  });

  it('refuses a key that is not a BCP 47 tag, and two spellings of one tag', () => {
    expect(
      messages({ defaultLanguage: 'en', email: { en: email, 'en-': email }, sms: null }),
    ).toEqual(['email.en-: "en-" is not a BCP 47 language tag']);
    expect(messages({ defaultLanguage: 'en', email: { en: email, EN: email }, sms: null })).toEqual(
      ['email.EN: "EN" repeats language "en"'],
    );
  });

  it('requires a channel, and the default language in each channel present', () => {
    expect(messages({ defaultLanguage: 'en', email: null, sms: null })).toEqual([
      ': an email or an SMS version is required',
    ]);
    expect(
      messages({ defaultLanguage: 'en', email: { en: email }, sms: { fr: { body: 'x' } } }),
    ).toEqual(['sms: the sms has no version in the default language "en"']);
  });

  it('bounds the subject and the SMS body, and keeps the subject to one line', () => {
    const at = (subject: string, body: string) =>
      messages({
        defaultLanguage: 'en',
        email: { en: { ...email, subject } },
        sms: { en: { body } },
      });
    expect(at('s'.repeat(MAX_SUBJECT_CHARS), 'b'.repeat(MAX_SMS_CHARS))).toEqual([]);
    expect(
      at('s'.repeat(MAX_SUBJECT_CHARS + 1), 'b'.repeat(MAX_SMS_CHARS + 1)).map(
        (m) => m.split(':')[0],
      ),
    ).toEqual(['email.en.subject', 'sms.en.body']);
    expect(at('Outage\nBcc: x@example.com', 'b')).toEqual([
      'email.en.subject: the subject must be one line',
    ]);
  });
});
