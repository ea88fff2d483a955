#!/usr/bin/env node
// The `crier` command. Crier is written in TypeScript and needs no build step: src/ is bundled by
// esbuild into plain JavaScript (dependencies stay in node_modules) and that bundle runs. It is
// kept under node_modules/.cache/crier, named by a hash of the sources and of this file, so it is
// built once per source tree, not at every start. Running the sources through a loader instead
// (tsx) would keep the loader's own thread and V8 isolate in every process, ~45 MB of memory.
// The bundle is plain, unminified JavaScript with each module's path in a comment, so a stack
// trace still leads to the source (source maps would cost ~10 MB a process).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const src = join(root, 'src');
const cache = join(root, 'node_modules', '.cache', 'crier');
/** Bundles of other source trees kept beside the current one (a server may still be using one). */
const KEEP = 10;

const dir = join(cache, sourceHash());
let bundled = true;
if (existsSync(dir)) touch(dir);
else if (writable(cache)) {
  build(dir);
  prune();
} else bundled = false;

if (bundled) await import(pathToFileURL(join(dir, 'crier.mjs')).href);
else {
  // node_modules is read-only to this user and holds no bundle of these sources: run them
  // through tsx instead (slower to start, ~45 MB more memory).
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(src, 'cli', 'main.ts')).href);
}

/** Marks a bundle as used now (what pruning goes by); another user's bundle stays as it is. */
function touch(folder) {
  try {
    const now = new Date();
    utimesSync(folder, now, now);
  } catch {
    // Not ours to touch: pruning may then count it as older than it is, and nothing else.
  }
}

/** Whether the bundle cache can be written (made if missing). */
function writable(folder) {
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A hash of every source file's path and content, and of this file (it holds the build options). */
function sourceHash() {
  const hash = createHash('sha256').update(readFileSync(self));
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(relative(src, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(src);
  return hash.digest('hex').slice(0, 16);
}

function build(target) {
  const { buildSync } = createRequire(import.meta.url)('esbuild');
  const { outputFiles } = buildSync({
    // Thread scripts sit beside the main bundle, where src/thread-script.ts looks for them.
    entryPoints: {
      crier: join(src, 'cli', 'main.ts'),
      'account-parser.worker': join(src, 'import', 'account-parser.worker.ts'),
      'import.worker': join(src, 'import', 'import.worker.ts'),
      'sender.worker': join(src, 'sending', 'sender.worker.ts'),
      'intake.worker': join(src, 'sending', 'intake.worker.ts'),
    },
    bundle: true,
    // Modules a command imports dynamically (the HTTP server, say) become chunks loaded on demand.
    splitting: true,
    chunkNames: '[name]-[hash]',
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: 'out',
    outExtension: { '.js': '.mjs' },
    write: false,
    logLevel: 'error',
  });
  // Written aside and renamed into place: processes starting together never see half a bundle.
  const partial = `${target}.${process.pid}.tmp`;
  mkdirSync(partial, { recursive: true });
  for (const file of outputFiles) writeFileSync(join(partial, basename(file.path)), file.contents);
  try {
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(target)) throw err;
  }
}

/** Removes all but the KEEP most recently used bundles. */
function prune() {
  try {
    const others = readdirSync(cache)
      .filter((name) => join(cache, name) !== dir && !name.endsWith('.tmp'))
      .map((name) => ({ path: join(cache, name), used: statSync(join(cache, name)).mtimeMs }))
      .sort((a, b) => b.used - a.used);
    for (const old of others.slice(KEEP)) rmSync(old.path, { recursive: true, force: true });
  } catch {
    // Pruning is housekeeping: a failure here must not stop the command.
  }
}
