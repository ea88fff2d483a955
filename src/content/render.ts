// Merge tags and rendering. Content is checked and parsed once (compile), then rendered once
// per recipient. The check finds every problem from liquid's static analysis, without
// rendering, so a bad merge tag is an error before sending rather than a blank.
import { LiquidError, type Template } from 'liquidjs';
import type {
  Channel,
  Content,
  ContentError,
  ContentField,
  EmailContent,
  RenderAccount,
  SmsContent,
} from './content.js';
import { DEFAULT_LIMITS, LiquidEngine, type RenderBudget, type RenderLimits } from './liquid-engine.js';
import { attributeOf, mergeTagProblem, parseProblem } from './merge-tags.js';
import { unescapedAccountData } from './unescaped.js';

export { DEFAULT_LIMITS, type RenderLimits };

export interface RenderContext {
  account: RenderAccount;
  communication: { name: string };
  /** Required when the email uses `unsubscribe_url`. */
  unsubscribeUrl?: string;
}

/** `compile` refuses content in which `check` finds errors. */
export class ContentCheckError extends Error {
  readonly code = 'content_invalid';
  constructor(readonly errors: ContentError[]) {
    super(`the content has ${errors.length} error(s), first: ${errors[0]?.message ?? 'none'}`);
    this.name = 'ContentCheckError';
  }
}

export type RenderFailureReason = 'missing_value' | 'limit_exceeded' | 'failed';

/** One recipient's render failed: a value the template needs is missing, or a limit was hit. */
export class RenderFailedError extends Error {
  readonly code = 'render_failed';
  constructor(
    readonly reason: RenderFailureReason,
    readonly where: { channel: Channel; language: string; field: ContentField },
    message: string,
    /** Inside the field: the tag or output being rendered when it failed. */
    readonly at: { line: number; column: number } = { line: 1, column: 1 },
  ) {
    super(`${where.channel} ${where.language} ${where.field}: ${message}`);
    this.name = 'RenderFailedError';
  }

  /** Which limit a `limit_exceeded` failure hit: the time one message may take, or its memory. */
  get limit(): 'time' | 'memory' | null {
    if (this.reason !== 'limit_exceeded') return null;
    return this.message.includes('memory alloc limit') ? 'memory' : 'time';
  }
}

export interface CompiledEmail {
  subject: Template[];
  html: Template[];
  text: Template[];
}

/** Parsed templates per channel and language; build once per send, render per recipient. */
export interface CompiledContent {
  readonly defaultLanguage: string;
  readonly email: ReadonlyMap<string, CompiledEmail> | null;
  readonly sms: ReadonlyMap<string, Template[]> | null;
}

interface Field {
  channel: Channel;
  language: string;
  field: ContentField;
  source: string;
}

function* fieldsOf(content: Content): Generator<Field> {
  for (const [language, v] of Object.entries(content.email ?? {})) {
    yield { channel: 'email', language, field: 'subject', source: v.subject };
    yield { channel: 'email', language, field: 'html', source: v.html };
    yield { channel: 'email', language, field: 'text', source: v.text };
  }
  for (const [language, v] of Object.entries(content.sms ?? {})) {
    yield { channel: 'sms', language, field: 'body', source: v.body };
  }
}

const keyOf = (channel: Channel, language: string, field: ContentField) =>
  `${channel} ${language} ${field}`;

function failurePosition(err: unknown): { line: number; column: number } | undefined {
  if (!LiquidError.is(err)) return undefined;
  const [line = 1, column = 1] = err.token.getPosition();
  return { line, column };
}

function failureReason(err: unknown): RenderFailureReason {
  const cause = err instanceof Error && 'originalError' in err ? err.originalError : err;
  const message = cause instanceof Error ? cause.message : '';
  if (message.startsWith('undefined variable')) return 'missing_value';
  return message.includes('limit exceeded') ? 'limit_exceeded' : 'failed';
}

function scopeOf(ctx: RenderContext, channel: Channel): object {
  const a = ctx.account;
  return {
    account: {
      uuid: a.uuid,
      first_name: a.firstName,
      last_name: a.lastName,
      email: a.email,
      phone: a.phone,
      language: a.language,
      timezone: a.timezone,
      attributes: a.attributes,
    },
    communication: { name: ctx.communication.name },
    ...(channel === 'email' ? { unsubscribe_url: ctx.unsubscribeUrl } : {}),
  };
}

export class ContentRenderer {
  readonly limits: Readonly<RenderLimits>;
  // HTML escapes merged values; subject, text and SMS are not HTML, so they must not.
  private readonly html: LiquidEngine;
  private readonly plain: LiquidEngine;

  constructor(limits: Partial<RenderLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.html = new LiquidEngine(true, this.limits);
    this.plain = new LiquidEngine(false, this.limits);
  }

  /** Every error in every channel, language and field: field by field, then by position. */
  check(content: Content): ContentError[] {
    return [...this.parseAll(content).errors];
  }

  /** The attribute names merge tags read, sorted; recipients need them unless a `default` covers. */
  referencedAttributes(content: Content): string[] {
    return [...this.parseAll(content).attributes].sort();
  }

  /** Every field parsed (once per content). Throws ContentCheckError when `check` would report errors. */
  compile(content: Content): CompiledContent {
    const { errors, parsed } = this.parseAll(content);
    if (errors.length > 0) throw new ContentCheckError([...errors]);
    const get = (channel: Channel, language: string, field: ContentField) =>
      parsed.get(keyOf(channel, language, field)) ?? [];
    const email = new Map<string, CompiledEmail>();
    for (const language of Object.keys(content.email ?? {})) {
      email.set(language, {
        subject: get('email', language, 'subject'),
        html: get('email', language, 'html'),
        text: get('email', language, 'text'),
      });
    }
    const sms = new Map<string, Template[]>();
    for (const language of Object.keys(content.sms ?? {})) {
      sms.set(language, get('sms', language, 'body'));
    }
    const { defaultLanguage } = content;
    return { defaultLanguage, email: content.email && email, sms: content.sms && sms };
  }

  renderEmail(compiled: CompiledContent, language: string, ctx: RenderContext): EmailContent {
    const version = compiled.email?.get(language);
    if (version === undefined) throw new RangeError(`no email content in language "${language}"`);
    const scope = scopeOf(ctx, 'email');
    const zone = ctx.account.timezone;
    const budget: RenderBudget = {};
    const run = (engine: LiquidEngine, field: 'subject' | 'html' | 'text') =>
      this.run(engine, version[field], scope, zone, { channel: 'email', language, field }, budget);
    return {
      // A merged value may carry a line break; a subject is one header line.
      subject: run(this.plain, 'subject')
        .replace(/[\r\n]+/g, ' ')
        .trim(),
      html: run(this.html, 'html'),
      text: run(this.plain, 'text'),
    };
  }

  renderSms(compiled: CompiledContent, language: string, ctx: RenderContext): SmsContent {
    const templates = compiled.sms?.get(language);
    if (templates === undefined) throw new RangeError(`no SMS content in language "${language}"`);
    const where = { channel: 'sms', language, field: 'body' } as const;
    const scope = scopeOf(ctx, 'sms');
    return { body: this.run(this.plain, templates, scope, ctx.account.timezone, where, {}) };
  }

  private run(
    engine: LiquidEngine,
    templates: Template[],
    scope: object,
    zone: string | null,
    where: RenderFailedError['where'],
    budget: RenderBudget,
  ): string {
    try {
      // Month and day names follow the content's language.
      return engine.render(templates, scope, zone, where.language, budget);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new RenderFailedError(failureReason(err), where, message, failurePosition(err));
    }
  }

  // check, referencedAttributes and compile each need every field parsed: a review asks for all
  // three, and previews ask again and again for a draft that has not changed. Parsing is linear
  // but not cheap (~0.3 s on the server's thread for 500 KB of merge tags), so the last parses
  // are kept by the content's JSON, the least recently used dropped first.
  private readonly parses = new Map<string, Parsed>();
  private parsedChars = 0;

  private parseAll(content: Content): Parsed {
    const key = JSON.stringify(content);
    const kept = this.parses.get(key);
    if (kept !== undefined) {
      // Most recently used last.
      this.parses.delete(key);
      this.parses.set(key, kept);
      return kept;
    }
    const parsed = this.parseFields(content);
    this.parses.set(key, parsed);
    this.parsedChars += key.length;
    for (const [old] of this.parses) {
      const over = this.parsedChars > PARSES_KEPT.chars || this.parses.size > PARSES_KEPT.contents;
      if (!over || this.parses.size <= 1) break;
      this.parses.delete(old);
      this.parsedChars -= old.length;
    }
    return parsed;
  }

  private parseFields(content: Content): Parsed {
    const errors: ContentError[] = [];
    const parsed = new Map<string, Template[]>();
    const attributes = new Set<string>();
    for (const { source, ...where } of fieldsOf(content)) {
      const { liquid } = where.field === 'html' ? this.html : this.plain;
      let templates: Template[];
      try {
        templates = liquid.parse(source);
      } catch (err) {
        errors.push({ ...where, ...parseProblem(err, this.limits.parseLimit) });
        continue;
      }
      const found: ContentError[] = [];
      const { globals } = liquid.analyzeSync(templates, { partials: false });
      for (const variable of Object.values(globals).flat()) {
        const attribute = attributeOf(variable);
        if (attribute !== null) attributes.add(attribute);
        const problem = mergeTagProblem(variable, where.channel);
        if (problem) found.push({ ...where, ...problem });
      }
      // Only HTML escapes; elsewhere `raw` changes nothing.
      if (where.field === 'html') {
        for (const problem of unescapedAccountData(templates, liquid)) found.push({ ...where, ...problem });
      }
      errors.push(...found.sort((a, b) => a.line - b.line || a.column - b.column));
      parsed.set(keyOf(where.channel, where.language, where.field), templates);
    }
    return { errors, parsed, attributes };
  }
}

interface Parsed {
  readonly errors: readonly ContentError[];
  readonly parsed: ReadonlyMap<string, Template[]>;
  readonly attributes: ReadonlySet<string>;
}

/** The parses a renderer keeps: a few drafts being worked on, at most two of the largest a request can carry. */
const PARSES_KEPT = { contents: 16, chars: 2 * 1024 * 1024 };
