// The liquidjs configuration every template runs under: strict about names, unable to read
// files, bounded in time and memory, and dating in the recipient's own time zone.
import {
  Context,
  Liquid,
  Tag,
  Token,
  type FilterImplOptions,
  type TagToken,
  type Template,
  type TopLevelToken,
} from 'liquidjs';

export interface RenderLimits {
  /** Characters per field. Above the schema's largest field, so the schema speaks first. */
  parseLimit: number;
  /**
   * Milliseconds of wall time per message, all its fields together. An outage notice renders in
   * ~20 µs (a few ms at worst on a busy machine), so the default leaves a wide margin while a
   * runaway loop holds a thread for at most this long.
   */
  renderLimit: number;
  /** Characters allocated by filters and ranges per message, all its fields together. */
  memoryLimit: number;
}

export const DEFAULT_LIMITS: Readonly<RenderLimits> = Object.freeze({
  parseLimit: 1024 * 1024,
  renderLimit: 50,
  memoryLimit: 10_000_000,
});

/**
 * What one message may still spend. The first field rendered starts the clock and the memory
 * count; the message's other fields draw on the same two, so three fields cannot take three
 * limits' worth.
 */
export interface RenderBudget {
  renderLimit?: Context['renderLimit'];
  memoryLimit?: Context['memoryLimit'];
}

// liquid works out a token's line and column by counting characters from the start of the field,
// and its static analysis (which `check` runs on every save, preview and review) does so for
// every variable: quadratic, some 10 s on the server's thread for a 480 KB field of merge tags.
// The same answer from an index of the field's line starts, built once per field, is a binary
// search.
let indexed: { input: string; lineStarts: number[] } | null = null;

function lineStartsOf(input: string): number[] {
  if (indexed?.input !== input) {
    const lineStarts = [0];
    for (let i = input.indexOf('\n'); i !== -1; i = input.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    indexed = { input, lineStarts };
  }
  return indexed.lineStarts;
}

Token.prototype.getPosition = function getPosition(this: Token): [number, number] {
  const starts = lineStartsOf(this.input);
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= this.begin) low = mid;
    else high = mid - 1;
  }
  return [low + 1, this.begin - starts[low]! + 1];
};

/** Raised while parsing a tag that would read another file. */
export class NotAllowedError extends Error {}

/** Lookups fail whatever the path; the refused tags below mean this is only a backstop. */
const NO_FILES = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string): Promise<string> => {
    throw new NotAllowedError(`cannot read ${file}`);
  },
  readFileSync: (file: string): string => {
    throw new NotAllowedError(`cannot read ${file}`);
  },
  resolve: (_dir: string, file: string) => file,
  contains: async () => false,
  containsSync: () => false,
};

// Refusing at parse time makes `check` report these tags with their position, instead of
// the failure surfacing only when a recipient's render reaches them.
function refusedTag(name: string) {
  return class extends Tag {
    constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
      super(token, remain, liquid);
      throw new NotAllowedError(`the "${name}" tag is not allowed: content cannot read files`);
    }
    *render(): Generator<unknown, void> {}
  };
}

type LiquidOptions = Liquid['options'];
type FilterHandler = Extract<FilterImplOptions, (...args: never[]) => unknown>;

// liquidjs works out a named zone's offset and month names with fresh Intl formatters on every
// call (~250 µs), while a send typically formats the same instant in a handful of zones; the
// memo makes that ~1 µs. Only pure calls are kept: never "now", never a non-literal value.
function memoised(date: FilterHandler): FilterHandler {
  const memo = new Map<string, unknown>();
  // Short literals only, so the memo stays small whatever attributes hold.
  const literal = (v: unknown) =>
    v === undefined || typeof v === 'number' || (typeof v === 'string' && v.length <= 100);
  return function (value: unknown, format?: unknown, zone?: unknown) {
    const pure = value !== 'now' && value !== 'today' && value !== undefined && value !== null;
    if (!pure || !literal(value) || !literal(format) || !literal(zone)) {
      return date.call(this, value, format, zone);
    }
    const { timezoneOffset, locale } = this.context.opts;
    const key = JSON.stringify([value, format, zone ?? timezoneOffset, locale]);
    let out = memo.get(key);
    if (out === undefined) {
      out = date.call(this, value, format, zone);
      if (memo.size >= 10_000) memo.clear();
      memo.set(key, out);
    }
    return out;
  };
}

function knownZone(zone: string | null): string {
  if (zone === null) return 'UTC';
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

/** One configured liquid instance, created once, and the per-zone options its renders use. */
export class LiquidEngine {
  readonly liquid: Liquid;
  // liquidjs takes the date filter's zone and locale from the context's options and offers no
  // per-render override; a context built on a per-zone copy gives each account its zone while
  // the engine and its parsed templates stay shared.
  private readonly optionsByZone = new Map<string, LiquidOptions>();

  constructor(escapeHtml: boolean, limits: RenderLimits) {
    this.liquid = new Liquid({
      ...limits,
      strictVariables: true,
      strictFilters: true,
      lenientIf: true,
      ownPropertyOnly: true,
      outputEscape: escapeHtml ? 'escape' : undefined,
      fs: NO_FILES,
      relativeReference: false,
      cache: false,
      timezoneOffset: 'UTC',
      locale: 'en',
    });
    const date = this.liquid.filters['date'];
    if (typeof date === 'function') this.liquid.registerFilter('date', memoised(date));
    for (const tag of ['include', 'render', 'layout']) {
      this.liquid.registerTag(tag, refusedTag(tag));
    }
  }

  /** Renders synchronously; `zone` is an IANA name (UTC when null or unknown). */
  render(templates: Template[], scope: object, zone: string | null, locale: string, budget: RenderBudget = {}): string {
    const options = this.optionsFor(zone, locale);
    const ctx = new Context(scope, options, { sync: true }, { liquid: this.liquid, ...budget });
    budget.renderLimit ??= ctx.renderLimit;
    budget.memoryLimit ??= ctx.memoryLimit;
    return String(this.liquid.renderSync(templates, ctx));
  }

  private optionsFor(zone: string | null, locale: string): LiquidOptions {
    const key = `${zone ?? ''} ${locale}`;
    let options = this.optionsByZone.get(key);
    if (options === undefined) {
      // Zones × languages in use are a few hundred at most; the cap is a backstop.
      if (this.optionsByZone.size >= 5000) this.optionsByZone.clear();
      options = { ...this.liquid.options, timezoneOffset: knownZone(zone), locale };
      this.optionsByZone.set(key, options);
    }
    return options;
  }
}
