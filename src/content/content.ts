// The content of a template or communication: an email and/or an SMS version, each in one or more
// languages keyed by BCP 47 tag. Plain data; rendering lives in render.ts.
import { z } from 'zod';
import { normaliseLanguage } from '../domain/account-fields.js';

export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

export interface SmsContent {
  body: string;
}

export interface Content {
  defaultLanguage: string;
  email: Record<string, EmailContent> | null;
  sms: Record<string, SmsContent> | null;
}

export type Channel = 'email' | 'sms';
export type ContentField = 'subject' | 'html' | 'text' | 'body';
export type ContentErrorCode =
  | 'syntax_error'
  | 'unknown_merge_tag'
  | 'unknown_filter'
  | 'not_allowed'
  | 'too_long'
  /** `raw` on account data in HTML. */
  | 'raw_account_data'
  /** The review's render for the sample account hit a render limit (time or memory). */
  | 'limit_exceeded';

/** A problem in one field of one version; line and column are 1-based inside that field. */
export interface ContentError {
  channel: Channel;
  language: string;
  field: ContentField;
  line: number;
  column: number;
  code: ContentErrorCode;
  message: string;
}

/** What merge tags read for one recipient; null where the account has no value. */
export interface RenderAccount {
  uuid: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
  timezone: string | null;
  attributes: Record<string, string>;
}

/** RFC 5322 caps a header line at 998 characters. */
export const MAX_SUBJECT_CHARS = 998;
export const MAX_HTML_CHARS = 512 * 1024;
export const MAX_TEXT_CHARS = 256 * 1024;
/** Ten concatenated GSM-7 segments; providers refuse or truncate longer bodies. */
export const MAX_SMS_CHARS = 1600;

const emailSchema = z.object({
  subject: z
    .string()
    .trim()
    .min(1, 'the subject is empty')
    .max(MAX_SUBJECT_CHARS)
    // A line break in a header would let merged text inject headers.
    .refine((s) => !/[\r\n]/.test(s), 'the subject must be one line'),
  html: z.string().trim().min(1, 'the HTML body is empty').max(MAX_HTML_CHARS),
  text: z.string().max(MAX_TEXT_CHARS),
});

const smsSchema = z.object({
  body: z.string().trim().min(1, 'the SMS body is empty').max(MAX_SMS_CHARS),
});

/** A per-language record whose keys come out canonical; two spellings of one tag are refused. */
function byLanguage<T extends z.ZodType>(version: T) {
  return z
    .record(z.string(), version)
    .superRefine((record, ctx) => {
      const seen = new Map<string, string>();
      for (const key of Object.keys(record)) {
        const canonical = normaliseLanguage(key);
        if (canonical === null) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `"${key}" is not a BCP 47 language tag`,
          });
        } else if (seen.has(canonical)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `"${key}" repeats language "${seen.get(canonical)}"`,
          });
        } else {
          seen.set(canonical, key);
        }
      }
      if (seen.size === 0)
        ctx.addIssue({ code: 'custom', path: [], message: 'at least one language is required' });
    })
    .transform((record) => {
      const out: Record<string, z.output<T>> = {};
      for (const [key, value] of Object.entries(record)) out[normaliseLanguage(key) ?? key] = value;
      return out;
    });
}

/** Content as the HTTP API accepts it. Language tags come out canonical, as accounts' do. */
export const contentSchema = z
  .object({
    defaultLanguage: z.string().transform((tag, ctx) => {
      const canonical = normaliseLanguage(tag);
      if (canonical === null) {
        ctx.addIssue({ code: 'custom', message: `"${tag}" is not a BCP 47 language tag` });
        return z.NEVER;
      }
      return canonical;
    }),
    email: byLanguage(emailSchema).nullable(),
    sms: byLanguage(smsSchema).nullable(),
  })
  .superRefine((content, ctx) => {
    if (content.email === null && content.sms === null) {
      ctx.addIssue({ code: 'custom', path: [], message: 'an email or an SMS version is required' });
    }
    // Accounts whose language has no version fall back to the default language, so every
    // channel must have it.
    for (const channel of ['email', 'sms'] as const) {
      const versions = content[channel];
      if (versions && !Object.hasOwn(versions, content.defaultLanguage)) {
        ctx.addIssue({
          code: 'custom',
          path: [channel],
          message: `the ${channel} has no version in the default language "${content.defaultLanguage}"`,
        });
      }
    }
  });

// Compile-time proof that what the schema produces is a Content.
const _schemaOutputIsContent: (c: z.output<typeof contentSchema>) => Content = (c) => c;
