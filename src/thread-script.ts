// The script of a worker thread. A thread's script lives beside the module that starts it, named
// NAME.worker.ts. Built (bin/crier.js bundles each one beside crier.mjs; tsc writes NAME.worker.js
// beside its host), it is that file. Run from the TypeScript sources (tests, tsx) it is bundled
// once per process with esbuild into plain JavaScript: a thread that loaded the .ts through tsx
// would carry tsx's loader and its own isolate, ~40 MB more.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The bundled scripts, by the URL of their source. */
let bundled: Map<string, URL> | undefined;

/** The URL to start `new Worker()` with, for the thread script `./name.ts` beside `hostUrl`. */
export function threadScript(hostUrl: string, name: string): URL {
  const ext = extname(fileURLToPath(hostUrl));
  const source = new URL(`./${name}${ext}`, hostUrl);
  if (ext !== '.ts') return source;
  bundled ??= bundleThreads();
  const url = bundled.get(source.href);
  if (!url) throw new Error(`No thread script ${fileURLToPath(source)}`);
  return url;
}

/**
 * Bundles every thread script of the sources at once into one directory, side by side as
 * bin/crier.js lays them out: a thread that starts a thread of its own (an import's thread starts
 * the parser's) finds its script beside its own, as it does when built.
 */
function bundleThreads(): Map<string, URL> {
  const src = fileURLToPath(new URL('./', import.meta.url));
  const sources = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.worker.ts'))
    .map((file) => join(src, file));
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const { outputFiles } = buildSync({
    entryPoints: Object.fromEntries(sources.map((file) => [basename(file, '.ts'), file])),
    bundle: true,
    // Dependencies stay in node_modules, as in bin/crier.js's bundle.
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    outdir: 'threads',
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  const files = outputFiles.map((file) => ({ name: basename(file.path), code: file.contents }));
  // Named by its content: processes running the same sources share one directory, and none is
  // left behind per process. It sits in the project (not in tmpdir) so that its imports of
  // packages resolve from node_modules.
  const hash = createHash('sha256');
  for (const { name, code } of files.sort((a, b) => (a.name < b.name ? -1 : 1))) hash.update(`${name}\0`).update(code);
  const dir = fileURLToPath(new URL(`../node_modules/.cache/crier-threads/${hash.digest('hex').slice(0, 16)}/`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  for (const { name, code } of files) {
    const path = join(dir, name);
    if (existsSync(path)) continue;
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, path);
  }
  return new Map(sources.map((file) => [pathToFileURL(file).href, pathToFileURL(join(dir, `${basename(file, '.ts')}.mjs`))]));
}
