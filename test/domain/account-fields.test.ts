import validator from 'validator';
import { describe, expect, it } from 'vitest';
import { isValidNationalNumber, normaliseEmail, normaliseLanguage, normaliseTimeZone, normaliseUuid, parseConsent, PhoneNormaliser } from '../../src/domain/account-fields.js';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { PhoneNumber } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';

describe('account fields', () => {
  it('accepts exactly the addresses validator accepts (the fast path is a subset)', () => {
    const corpus = [
      'ada@example.com', 'Ada.Lovelace+news@Example.CO.uk', "o'neill@example.ie", 'a..b@example.com', '.a@example.com', 'a.@example.com',
      'a@b', 'a@-example.com', 'a@example-.com', 'a@exa_mple.com', 'a@example.c', 'a@example.123', 'user@xn--bcher-kva.example',
      `${'x'.repeat(64)}@example.com`, `${'x'.repeat(65)}@example.com`, `a@${'l'.repeat(63)}.com`, `a@${'l'.repeat(64)}.com`,
      'a b@example.com', '"quoted"@example.com', 'élodie@exemple.fr', 'a@exemple.québec', 'plain', '@example.com', 'a@@example.com',
      'first.last@sub.domain.example.org', 'x@example.com.', 'a@127.0.0.1', 'a@[127.0.0.1]', 'a{b}@example.com', 'a/b=c@example.com',
    ];
    for (const address of corpus) {
      expect(normaliseEmail(address) !== null, address).toBe(validator.isEmail(address));
    }
    expect(normaliseEmail('  Ada@Example.COM ')).toBe('ada@example.com');
  });

  it('normalises phones to E.164 exactly as a full libphonenumber parse does', () => {
    const phones = new PhoneNormaliser('CA');
    const inputs = ['(514) 555-0123', '514.555.0124', '+1 514 555 0125', '1-514-555-0126', '+33 6 12 34 56 78', '+44 7911 123456', '+44 7781 123456', '555-0123', '+1 555 555 5555', '0000', '+999 1234', '(514) 555-0123 ext. 5'];
    // Twice: the second pass takes the remembered-region path.
    for (const pass of [1, 2]) {
      for (const input of inputs) {
        const full = parsePhoneNumberFromString(input, 'CA');
        expect(phones.normalise(input), `${input} (pass ${pass})`).toBe(full && full.isValid() ? full.number : null);
      }
    }
  });

  it('canonicalises UUIDs, languages, time zones and consent', () => {
    expect(normaliseUuid(' 0B7E6F1C-8D4A-4C8E-9A57-1F4C2B9D3E01 ')).toBe('0b7e6f1c-8d4a-4c8e-9a57-1f4c2b9d3e01');
    expect(normaliseUuid('0b7e6f1c8d4a4c8e9a571f4c2b9d3e01')).toBeNull();
    // Every character of a valid UUID, replaced by each of a few wrong ones, makes it invalid;
    // each hex digit in either case keeps it valid.
    const valid = '0b7e6f1c-8d4a-4c8e-9a57-1f4c2b9d3e01';
    for (let i = 0; i < valid.length; i++) {
      const wrongs = valid[i] === '-' ? ['0', 'a', '_', ' '] : ['g', 'G', '-', ' ', 'é', '０'];
      for (const wrong of wrongs) {
        expect(normaliseUuid(valid.slice(0, i) + wrong + valid.slice(i + 1)), `${i} ${wrong}`).toBeNull();
      }
      if (valid[i] !== '-') for (const digit of '09afAF') expect(normaliseUuid(valid.slice(0, i) + digit + valid.slice(i + 1))).not.toBeNull();
    }
    expect(normaliseUuid(`${valid}0`)).toBeNull();
    expect(normaliseUuid(valid.slice(1))).toBeNull();
    expect(normaliseLanguage('fr_ca')).toBe('fr-CA');
    expect(normaliseLanguage('english')).toBeNull();
    expect(normaliseTimeZone('America/Toronto')).toBe('America/Toronto');
    expect(normaliseTimeZone('Mars/Olympus')).toBeNull();
    expect([parseConsent('Yes'), parseConsent('0'), parseConsent('maybe')]).toEqual([1, 0, null]);
  });

  it('judges national numbers exactly as libphonenumber does, region by region', () => {
    // The core class takes (region, national number, metadata); its typings leave that out.
    const Regional = PhoneNumber as unknown as new (region: CountryCode, national: string, meta: typeof metadata) => PhoneNumber;
    let seed = 7;
    const digit = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 16) % 10;
    };
    const digits = (n: number) => Array.from({ length: n }, digit).join('');
    const prefixes: Partial<Record<CountryCode, string[]>> = {
      CA: ['514', '416', '604', '418', '819', '204', '800'],
      US: ['212', '305', '415', '900', '201'],
      GB: ['20', '7', '1', '3'],
      FR: ['1', '6', '7', '9'],
      JE: ['1534', '7797', '7509'],
    };
    for (const region of ['CA', 'US', 'GB', 'FR', 'DE', 'MX', 'JE', 'IN', 'BR', 'AU'] as CountryCode[]) {
      let valid = 0;
      for (let i = 0; i < 4000; i++) {
        const starts = prefixes[region] ?? [''];
        const start = starts[i % starts.length]!;
        const national = start + digits(6 + (i % 7) - Math.min(start.length, 2));
        const expected = new Regional(region, national, metadata).isValid();
        expect(isValidNationalNumber(region, national), `${region} ${national}`).toBe(expected);
        if (expected) valid++;
      }
      // Enough of each kind that the comparison means something.
      expect(valid, region).toBeGreaterThan(40);
      expect(valid, region).toBeLessThan(4000);
    }
  });
});
