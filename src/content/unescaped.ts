// Account data comes from a CSV anyone in the business may have edited: in email HTML it is always
// escaped. liquid lets a value skip escaping when its last filter is `raw` (in `{{ }}`, `echo` and
// `cycle` alike), so an HTML field is refused when such a value can hold account data, read
// directly or through variables that `assign`, `capture`, `for` or `tablerow` filled from it.
// Statically, and erring on the side of refusing: which branch runs is not known, and names are
// not scoped. `raw` on anything else (a literal, the communication's name) still works.
import { Expression, Filter, Liquid, TypeGuards, Value, toValueSync, type Template, type Token } from 'liquidjs';
import { escapeRegExp, positionAt, type Problem } from './merge-tags.js';

/** A variable whose root is itself computed (`[name].first_name`): it may be anything. */
const COMPUTED = Symbol('computed root');

interface Read {
  root: string | typeof COMPUTED;
  /** As written, e.g. `account.first_name`. */
  text: string;
}

function readsOf(node: unknown, out: Read[] = []): Read[] {
  if (node instanceof Value) {
    readsOf(node.initial, out);
    for (const filter of node.filters) readsOfArgs(filter, out);
  } else if (node instanceof Expression) {
    for (const token of node.postfix) readsOf(token, out);
  } else if (TypeGuards.isFilteredValueToken(node)) {
    readsOf(node.initial, out);
    for (const filter of node.filters) readsOfArgs(filter, out);
  } else if (TypeGuards.isRangeToken(node)) {
    readsOf(node.lhs, out);
    readsOf(node.rhs, out);
  } else if (TypeGuards.isPropertyAccessToken(node)) {
    const [first, ...rest] = node.props;
    if (node.variable !== undefined) {
      // A literal or a group with properties: `"abc".size`, `(1..3).first`.
      readsOf(node.variable, out);
    } else if (first !== undefined) {
      const named = TypeGuards.isWordToken(first) || TypeGuards.isQuotedToken(first) || TypeGuards.isNumberToken(first);
      out.push({ root: named ? String(first.content) : COMPUTED, text: node.getText() });
      if (!named) readsOf(first, out);
    }
    for (const prop of rest) readsOf(prop, out);
  }
  return out;
}

function readsOfArgs(filter: { args: Filter['args'] }, out: Read[]): void {
  for (const arg of filter.args) readsOf(Array.isArray(arg) ? arg[1] : arg, out);
}

/** The name of the filter that ends a value's chain, if the chain has one. */
function lastFilter(node: unknown): string | undefined {
  if (node instanceof Value) return node.filters.at(-1)?.name;
  return TypeGuards.isFilteredValueToken(node) ? node.filters.at(-1)?.name : undefined;
}

/** Where, inside the field, `| name` last appears in a token: what the user has to remove. */
function filterPosition(token: Token, name: string): { line: number; column: number } {
  const text = token.input.slice(token.begin, token.end);
  const found = [...text.matchAll(new RegExp(`\\|\\s*(${escapeRegExp(name)})\\b`, 'g'))].at(-1);
  if (found === undefined) {
    const [line = 1, column = 1] = token.getPosition();
    return { line, column };
  }
  return positionAt(token.input, token.begin + found.index + found[0].length - name.length);
}

interface Definition {
  name: string;
  reads: Read[];
}

interface RawUse {
  reads: Read[];
  line: number;
  column: number;
}

function visit(template: Template, capture: string | null, rawFilters: ReadonlySet<string>, defs: Definition[], uses: RawUse[]): void {
  const args = template.arguments ? [...template.arguments()] : [];
  const reads = args.flatMap((arg) => readsOf(arg));
  // Whatever a capture's body reads can end up in the captured text.
  if (capture !== null && reads.length > 0) defs.push({ name: capture, reads });
  for (const ident of template.localScope?.() ?? []) defs.push({ name: ident.content, reads });
  // A loop's variables come from its collection.
  for (const name of template.blockScope?.() ?? []) defs.push({ name, reads });
  for (const arg of args) {
    const last = lastFilter(arg);
    if (last === undefined || !rawFilters.has(last)) continue;
    // A cycle's candidates are tokens of their own; other values span their tag.
    const at = filterPosition(TypeGuards.isFilteredValueToken(arg) ? arg : template.token, last);
    uses.push({ reads: readsOf(arg), ...at });
  }
  if (!template.children) return;
  // A tag that defines names and has a body (capture) captures that body.
  const captured = template.localScope ? [...template.localScope()].map((ident) => ident.content)[0] : undefined;
  const inner = captured ?? capture;
  // A capture inside a capture: the outer one holds what the inner one does.
  if (captured !== undefined && capture !== null) defs.push({ name: capture, reads: [{ root: captured, text: captured }] });
  for (const child of toValueSync(template.children(false, true))) visit(child, inner, rawFilters, defs, uses);
}

/** Each value of an HTML field that would put account data into the output unescaped. */
export function unescapedAccountData(templates: readonly Template[], liquid: Liquid): Problem[] {
  const rawFilters = new Set(
    Object.entries(liquid.filters)
      .filter(([, impl]) => typeof impl === 'object' && impl !== null && impl.raw === true)
      .map(([name]) => name),
  );
  const defs: Definition[] = [];
  const uses: RawUse[] = [];
  for (const template of templates) visit(template, null, rawFilters, defs, uses);
  if (uses.length === 0) return [];

  // Which names may hold account data, and the account value each was first seen to come from:
  // a walk from account data along "defined from" edges, each edge followed once.
  const tainted = new Map<string, string>();
  const readers = new Map<string, string[]>();
  const queue: string[] = [];
  const taint = (name: string, from: string) => {
    if (tainted.has(name)) return;
    tainted.set(name, from);
    queue.push(name);
  };
  for (const def of defs) {
    for (const read of def.reads) {
      if (read.root === COMPUTED || read.root === 'account') taint(def.name, read.text);
      else {
        const names = readers.get(read.root);
        if (names) names.push(def.name);
        else readers.set(read.root, [def.name]);
      }
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i]!;
    for (const next of readers.get(name) ?? []) taint(next, tainted.get(name)!);
  }
  const origin = (read: Read): string | undefined =>
    read.root === COMPUTED || read.root === 'account' ? read.text : tainted.get(read.root);

  const problems: Problem[] = [];
  for (const use of uses) {
    const read = use.reads.find((r) => origin(r) !== undefined);
    if (read === undefined) continue;
    const from = origin(read)!;
    const what = read.root === 'account' || read.root === COMPUTED ? read.text : `${read.text} (which holds ${from})`;
    problems.push({
      line: use.line,
      column: use.column,
      code: 'raw_account_data',
      message: `"raw" would put account data, ${what}, into the HTML unescaped: remove "| raw"`,
    });
  }
  return problems;
}
