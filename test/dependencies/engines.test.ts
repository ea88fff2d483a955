// `npm install` on the oldest Node.js that package.json's `engines` admits prints no EBADENGINE:
// every locked package's own `engines.node` admits that version too (cookie@2 wanted Node 22
// while Crier said 20), and the README states the same requirement.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Version = [number, number, number];

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

function version(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.replace(/^v/, '').split('.').map(Number);
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `v` meets one comparator of an npm range (`>=20.19.0`, `^18.18.0`, `20.x`, `*`). */
function meets(v: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?v?(\*|\d+)(?:\.(x|\*|\d+))?(?:\.(x|\*|\d+))?$/.exec(comparator);
  if (!match) throw new Error(`cannot read the range comparator "${comparator}"`);
  const [, op, ...parts] = match;
  if (parts[0] === '*') return true;
  const given = parts.filter((p) => p !== undefined && p !== 'x' && p !== '*').map(Number);
  const floor: Version = [given[0] ?? 0, given[1] ?? 0, given[2] ?? 0];
  const c = compare(v, floor);
  switch (op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '<':
      return c < 0;
    case '^':
      return c >= 0 && v[0] === floor[0];
    case '~':
      return c >= 0 && v[0] === floor[0] && (given.length < 2 || v[1] === floor[1]);
    default:
      // `20`, `20.x`, `20.19`, `=20.19.0`: the given parts match.
      return given.every((p, i) => v[i] === p);
  }
}

/** Whether `v` satisfies an npm range: alternatives joined by `||`, each comparators joined by spaces. */
function satisfies(v: Version, range: string): boolean {
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return comparators.every((c) => meets(v, c));
  });
}

describe('the Node.js requirement', () => {
  const floorMatch = /^>=(\d+(?:\.\d+)?)$/.exec(pkg.engines.node);

  it('is one lowest version, which the README states', () => {
    expect(floorMatch, `engines.node is "${pkg.engines.node}": write it as ">=MAJOR.MINOR"`).not.toBeNull();
    expect(readFileSync('README.md', 'utf8')).toContain(`with Node.js ${floorMatch![1]} or later`);
    expect(satisfies(version(process.version), pkg.engines.node)).toBe(true);
  });

  it('is met by every locked package on that lowest version, so npm install warns of no engine', () => {
    const floor = version(floorMatch![1]!);
    const wanting = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && typeof entry.engines === 'object' && !Array.isArray(entry.engines) && entry.engines.node)
      .map(([path, entry]) => ({ name: `${path.replace(/^.*node_modules\//, '')}@${entry.version}`, node: (entry.engines as { node: string }).node }))
      .filter((p) => !satisfies(floor, p.node));
    expect(wanting, `packages that want a newer Node.js than ${floorMatch![1]}`).toEqual([]);
  });

  it('reads npm ranges as npm does', () => {
    expect(satisfies([20, 19, 0], '^18.18.0 || ^20.9.0 || >=21.1.0')).toBe(true);
    expect(satisfies([20, 19, 0], '>=22')).toBe(false);
    expect(satisfies([20, 18, 0], '>=20.19.0')).toBe(false);
    expect(satisfies([20, 19, 0], '20.x || 22.x')).toBe(true);
    expect(satisfies([21, 0, 0], '18 || 20 || >=22')).toBe(false);
    expect(satisfies([20, 19, 0], '>= 10.x')).toBe(true);
    expect(satisfies([20, 19, 0], '^20.19.0 || ^22.13.0 || >=24')).toBe(true);
    expect(satisfies([20, 19, 0], '*')).toBe(true);
  });
});
