// The web UI's bundle: web/ built by Vite into node_modules/.cache/crier-web/<hash>, where the
// hash covers every file of web/, every file outside it that the UI imports (the route schemas
// its client is typed by, the pure rules it shares), the lock file (dependencies are bundled)
// and this file (it holds the build options). `crier serve` calls `ensureWebBundle` before it
// listens: a bundle of these sources is used as it is, a stale one is rebuilt, so
// `npm install && npm start` gives the UI with nothing else to run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Logger } from 'pino';

/** Bundles of other web trees kept beside the current one (a running server may still use one). */
const KEEP = 3;

/** Mantine's breakpoints, for `$mantine-breakpoint-*` in the UI's CSS (postcss-simple-vars). */
const BREAKPOINTS = {
  'mantine-breakpoint-xs': '36em',
  'mantine-breakpoint-sm': '48em',
  'mantine-breakpoint-md': '62em',
  'mantine-breakpoint-lg': '75em',
  'mantine-breakpoint-xl': '88em',
};

/** The directory of an up-to-date bundle (built now if needed), or null when there are no web sources. */
export async function ensureWebBundle(root: string, logger: Logger): Promise<string | null> {
  const web = join(root, 'web');
  if (!existsSync(join(web, 'index.html'))) return null;
  const cache = join(root, 'node_modules', '.cache', 'crier-web');
  const target = join(cache, webSourcesHash(root));
  if (existsSync(join(target, 'index.html'))) {
    touch(target);
    return target;
  }
  const started = Date.now();
  logger.info('building the web UI (once per change of web/)');
  mkdirSync(cache, { recursive: true });
  // Built aside and renamed into place: servers starting together never serve half a bundle.
  const partial = `${target}.${process.pid}.tmp`;
  try {
    await viteBuild(web, partial);
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(target, 'index.html'))) throw err;
  }
  logger.info({ ms: Date.now() - started, dir: target }, 'web UI built');
  prune(cache, target);
  return target;
}

async function viteBuild(web: string, outDir: string): Promise<void> {
  const [{ build }, { default: react }, { default: mantine }, { default: simpleVars }] = await Promise.all([
    import('vite'),
    import('@vitejs/plugin-react'),
    import('postcss-preset-mantine'),
    import('postcss-simple-vars'),
  ]);
  await build({
    root: web,
    // The options are here, not in a config file Vite would compile into web/ while it builds.
    configFile: false,
    // Vite would print to the server's stdout, which carries JSON log lines; a failed build
    // throws, and the server logs why.
    logLevel: 'silent',
    plugins: [react()],
    css: { postcss: { plugins: [mantine(), simpleVars({ variables: BREAKPOINTS })] } },
    build: { outDir, emptyOutDir: true, assetsDir: 'assets', chunkSizeWarningLimit: 1500, reportCompressedSize: false },
  });
}

/** The hash naming the bundle of the current sources. */
export function webSourcesHash(root: string): string {
  const hash = createHash('sha256');
  const add = (path: string) => hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  const web = join(root, 'web');
  const own = listFiles(web);
  for (const path of own) add(path);
  for (const path of importedFromOutside(web, own)) add(path);
  for (const path of [join(root, 'package-lock.json'), join(root, 'src', 'server', 'web-bundle.ts')]) if (existsSync(path)) add(path);
  return hash.digest('hex').slice(0, 16);
}

function listFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile())
    .sort();
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Files outside `web` that its sources import, directly or through each other, in order. */
function importedFromOutside(web: string, sources: string[]): string[] {
  const found = new Set<string>();
  const pending = sources.filter((path) => /\.(?:ts|tsx)$/.test(path));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolveSource(resolve(dirname(file), specifier!));
      if (!target || !relative(web, target).startsWith('..') || found.has(target)) continue;
      found.add(target);
      pending.push(target);
    }
  }
  return [...found].sort();
}

/** `./x.js` of TypeScript sources is `./x.ts` (NodeNext style), or `./x.tsx`, `./x/index.ts`. */
function resolveSource(path: string): string | null {
  const base = path.replace(/\.js$/, '');
  for (const candidate of [path, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Marks a bundle as used now (what pruning goes by). */
function touch(folder: string): void {
  try {
    const now = new Date();
    utimesSync(folder, now, now);
  } catch {
    // Not ours to touch: pruning may then count it as older than it is, and nothing else.
  }
}

function prune(cache: string, current: string): void {
  try {
    const others = readdirSync(cache)
      .map((name) => join(cache, name))
      .filter((path) => path !== current && !path.endsWith('.tmp'))
      .map((path) => ({ path, used: statSync(path).mtimeMs }))
      .sort((a, b) => b.used - a.used);
    for (const old of others.slice(KEEP)) rmSync(old.path, { recursive: true, force: true });
  } catch {
    // Housekeeping: a failure here must not stop the server.
  }
}
