// Validation and normalisation of account fields: UUID, email, phone (E.164), language (BCP 47)
// and time zone (IANA). Pure functions and small caches; no I/O.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { Metadata } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';
// Only the one validator: the package's index loads every other (~7 MB in each thread). The
// module is CommonJS; its exports carry the function as `default`.
import isEmailModule from 'validator/lib/isEmail.js';

const HYPHEN = 45;

/**
 * The canonical (lower-case) UUID: 8-4-4-4-12 hexadecimal digits, or null when `raw` is not
 * one. Checked character by character: a regular expression costs three times as much, and a
 * million rows pass here.
 */
export function normaliseUuid(raw: string): string | null {
  const v = raw.trim();
  if (v.length !== 36) return null;
  let upper = false;
  for (let i = 0; i < 36; i++) {
    const c = v.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== HYPHEN) return null;
    } else if (c >= 65 && c <= 70) {
      upper = true;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
      return null;
    }
  }
  return upper ? v.toLowerCase() : v;
}

// The plain shape nearly every real address has: a dot-atom local part (at most 64 characters)
// and a host name of LDH labels under an alphabetic TLD. Every address of this shape passes
// validator's isEmail, which costs ~2 µs; only addresses of other shapes go to it.
const PLAIN_EMAIL =
  /^(?=[^@]{1,64}@)[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** The address in lower case, or null when it is not a valid email address. */
export function normaliseEmail(raw: string): string | null {
  const v = raw.trim();
  if (v.length > 254) return null;
  return PLAIN_EMAIL.test(v) || isEmailModule.default(v) ? v.toLowerCase() : null;
}

const TRUE = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE = new Set(['0', 'false', 'no', 'n', 'f']);

/** 1 or 0 for a yes/no cell, null when it is neither. */
export function parseConsent(raw: string): 0 | 1 | null {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return 1;
  if (FALSE.has(v)) return 0;
  return null;
}

const languageCache = new Map<string, string | null>();

/** The canonical BCP 47 tag (`fr_ca` → `fr-CA`), or null when it is not a language tag. */
export function normaliseLanguage(raw: string): string | null {
  const key = raw.trim();
  let result = languageCache.get(key);
  if (result === undefined) {
    try {
      const [tag] = Intl.getCanonicalLocales(key.replace(/_/g, '-'));
      result = tag && /^[a-z]{2,3}(-|$)/.test(tag) ? tag : null;
    } catch {
      result = null;
    }
    if (languageCache.size < 10_000) languageCache.set(key, result);
  }
  return result;
}

const timeZoneCache = new Map<string, string | null>();

/** The IANA time zone name as the runtime spells it, or null when it is not one. */
export function normaliseTimeZone(raw: string): string | null {
  const key = raw.trim();
  let result = timeZoneCache.get(key);
  if (result === undefined) {
    try {
      result = new Intl.DateTimeFormat('en-US', { timeZone: key }).resolvedOptions().timeZone;
    } catch {
      result = null;
    }
    if (timeZoneCache.size < 10_000) timeZoneCache.set(key, result);
  }
  return result;
}

/** What validation reads of libphonenumber-js's Metadata (present in its code, not its typings). */
interface PlanInternals {
  selectNumberingPlan(country: CountryCode): void;
  hasTypes(): boolean;
  nationalNumberPattern(): string;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/** Every number type libphonenumber's getNumberType tries: a valid number has one of them. */
const NUMBER_TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

/**
 * libphonenumber's isValid() for national numbers of one region, step for step (its
 * isValidNumber and getNumberType), with the region's patterns compiled once: the library builds
 * each RegExp anew per call, which is most of the cost of checking a number.
 */
class RegionValidity {
  private readonly general: RegExp;
  /** Null when the metadata has no number types: the general pattern alone decides. */
  private readonly types: { pattern: RegExp; lengths: number[] | undefined }[] | null;

  constructor(region: CountryCode) {
    const plan = new Metadata(metadata) as unknown as PlanInternals;
    plan.selectNumberingPlan(region);
    this.general = entire(plan.nationalNumberPattern());
    this.types = plan.hasTypes()
      ? NUMBER_TYPES.flatMap((name) => {
          const type = plan.type(name);
          const pattern = type?.pattern();
          return type && pattern ? [{ pattern: entire(pattern), lengths: type.possibleLengths() }] : [];
        })
      : null;
  }

  isValid(national: string): boolean {
    if (!this.general.test(national)) return false;
    if (this.types === null) return true;
    for (const type of this.types) {
      if (type.lengths && !type.lengths.includes(national.length)) continue;
      if (type.pattern.test(national)) return true;
    }
    return false;
  }
}

function entire(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

const regionValidity = new Map<CountryCode, RegionValidity>();

/** Whether libphonenumber holds `national` (digits only) a valid number of `region`. */
export function isValidNationalNumber(region: CountryCode, national: string): boolean {
  let validity = regionValidity.get(region);
  if (!validity) regionValidity.set(region, (validity = new RegionValidity(region)));
  return validity.isValid(national);
}

const FORMATTING = /[\s().\-/]/g;
const E164_DIGITS = /^\+[1-9]\d{6,14}$/;
const DIGITS = /^\d+$/;
const PREFIX_CACHE_LIMIT = 20_000;

/** The key of a region hint: +1 and the area code in North America, else the first 8 characters. */
function prefixOf(e164: string): string {
  return e164.slice(0, e164.startsWith('+1') ? 5 : 8);
}

/**
 * Normalises phone numbers to E.164 with libphonenumber-js. A full parse costs ~12 µs; most
 * numbers in an import share their first digits with one parsed before (in North America, the
 * area code), so the region found for those digits is remembered and the number is checked
 * against that region alone (~1 µs, its patterns compiled once). Only a number that is valid
 * there takes that path: anything else gets the full parse, so the answer is always
 * libphonenumber's.
 */
export class PhoneNormaliser {
  private readonly regionByPrefix = new Map<string, { country: CountryCode; callingCodeLength: number }>();
  private readonly nanpDefault: boolean;

  constructor(private readonly defaultRegion: CountryCode) {
    this.nanpDefault = parsePhoneNumberFromString('2015550123', defaultRegion)?.countryCallingCode === '1';
  }

  /** E.164 form, or null when the number is not valid. */
  normalise(raw: string): string | null {
    const candidate = this.e164Candidate(raw);
    if (candidate) {
      const known = this.regionByPrefix.get(prefixOf(candidate));
      if (known) {
        const national = candidate.slice(1 + known.callingCodeLength);
        if (isValidNationalNumber(known.country, national)) return candidate;
      }
    }
    const parsed = parsePhoneNumberFromString(raw, this.defaultRegion);
    if (!parsed || !parsed.isValid()) return null;
    if (parsed.country && this.regionByPrefix.size < PREFIX_CACHE_LIMIT) {
      this.regionByPrefix.set(prefixOf(parsed.number), {
        country: parsed.country,
        callingCodeLength: parsed.countryCallingCode.length,
      });
    }
    return parsed.number;
  }

  /** The E.164 spelling of plain international input, or of a North American national number. */
  private e164Candidate(raw: string): string | null {
    const compact = raw.replace(FORMATTING, '');
    if (E164_DIGITS.test(compact)) return compact;
    if (this.nanpDefault && DIGITS.test(compact)) {
      if (compact.length === 10) return `+1${compact}`;
      if (compact.length === 11 && compact.startsWith('1')) return `+${compact}`;
    }
    return null;
  }
}

export function isCountryCode(code: string): code is CountryCode {
  return code in metadata.countries;
}
