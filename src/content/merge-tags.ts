// Which merge tags exist, and how liquid's parse errors and static analysis become content
// errors that say where, inside the field, the problem is.
import { LiquidError, type Variable } from 'liquidjs';
import type { Channel, ContentError } from './content.js';
import { NotAllowedError } from './liquid-engine.js';

export type Problem = Pick<ContentError, 'line' | 'column' | 'code' | 'message'>;

const ACCOUNT_FIELDS = new Set([
  'uuid',
  'first_name',
  'last_name',
  'email',
  'phone',
  'language',
  'timezone',
]);

function isTag(path: readonly unknown[], channel: Channel): boolean {
  const [root, key, attribute] = path;
  if (root === 'account') {
    if (path.length === 2) return typeof key === 'string' && ACCOUNT_FIELDS.has(key);
    return path.length === 3 && key === 'attributes' && typeof attribute === 'string';
  }
  if (root === 'communication') return path.length === 2 && key === 'name';
  return root === 'unsubscribe_url' && path.length === 1 && channel === 'email';
}

/** The attribute a variable reads (`account.attributes.plan` → `plan`), if any. */
export function attributeOf(variable: Variable): string | null {
  const [root, key, name] = variable.segments;
  return root === 'account' && key === 'attributes' && typeof name === 'string' ? name : null;
}

/** Null when the variable is a merge tag the channel offers. */
export function mergeTagProblem(variable: Variable, channel: Channel): Problem | null {
  const path = variable.segments;
  // liquid answers `.size` on any value, so `{{ account.first_name.size }}` is a fair use.
  const sized = path.at(-1) === 'size' && isTag(path.slice(0, -1), channel);
  if (isTag(path, channel) || sized) return null;
  const name = String(variable);
  const at = { line: variable.location.row, column: variable.location.col };
  if (path[0] === 'unsubscribe_url' && channel === 'sms') {
    const message = 'unsubscribe_url is only available in email; SMS recipients opt out by STOP';
    return { ...at, code: 'not_allowed', message };
  }
  if (path[0] === 'account' && path[1] === 'attributes' && path.length === 3) {
    const message = `"${name}": write the attribute name out, e.g. account.attributes.plan`;
    return { ...at, code: 'unknown_merge_tag', message };
  }
  return { ...at, code: 'unknown_merge_tag', message: `unknown merge tag "${name}"` };
}

/** 1-based line and column of an offset into a field. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The content error for what `liquid.parse` threw; rethrows what is not a template problem. */
export function parseProblem(err: unknown, parseLimit: number): Problem {
  if (LiquidError.is(err)) {
    const [line = 1, column = 1] = err.token.getPosition();
    const cause = err.originalError?.message ?? err.message;
    const message = cause.replace(/, line:\d+, col:\d+$/, '');
    if (err.originalError instanceof NotAllowedError) {
      return { line, column, code: 'not_allowed', message };
    }
    const filter = /^undefined filter: (.+)$/.exec(message)?.[1];
    if (filter === undefined) return { line, column, code: 'syntax_error', message };
    // liquid points at the start of the {{ }}; the user needs the filter itself.
    const { input, begin, end } = err.token;
    const found = new RegExp(`\\|\\s*(${escapeRegExp(filter)})\\b`).exec(input.slice(begin, end));
    const where = found
      ? positionAt(input, begin + found.index + found[0].length - filter.length)
      : { line, column };
    return { ...where, code: 'unknown_filter', message: `unknown filter "${filter}"` };
  }
  if (err instanceof Error && err.message.includes('parse length limit exceeded')) {
    const message = `a field may not exceed ${parseLimit} characters`;
    return { line: 1, column: 1, code: 'too_long', message };
  }
  throw err;
}
