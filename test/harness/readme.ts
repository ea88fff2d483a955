// The README's examples as a newcomer runs them: each block marked `<!-- example: NAME -->` is run
// by bash, as written, in a directory laid out like a fresh clone of this checkout (its
// package.json, and bin/ pointing here), so `npm start`, `npm run crier`, `npm run -s crier` and
// `npx crier` all reach this checkout, and `./data/crier.db` is that directory's own.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface ReadmeExample {
  name: string;
  /** The fenced block's text, without the fences. */
  text: string;
  /** The README line the fence opens on. */
  line: number;
}

/** The blocks of README.md marked as examples, in order. */
export function readmeExamples(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): ReadmeExample[] {
  const lines = readme.split('\n');
  const examples: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- example: ([\w-]+) -->$/.exec(lines[i]!.trim());
    if (!marker) continue;
    const open = i + 1;
    if (!/^```(sh|bash)$/.test(lines[open]?.trim() ?? '')) throw new Error(`README.md line ${i + 1}: the example marker must sit right above a sh fence`);
    const close = lines.findIndex((l, j) => j > open && l.trim() === '```');
    if (close < 0) throw new Error(`README.md line ${open + 1}: the example's fence is never closed`);
    examples.push({ name: marker[1]!, text: lines.slice(open + 1, close).join('\n'), line: open + 1 });
  }
  return examples;
}

/** A directory like a fresh clone (package.json, bin/ → this checkout), and a bin folder for stand-ins. */
export function cloneLikeDirectory(): { dir: string; shims: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'crier-readme-'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  // bin/crier.js finds src/ and node_modules/ from its real path: this checkout's.
  symlinkSync(join(ROOT, 'bin'), join(dir, 'bin'));
  const shims = join(dir, '.shims');
  mkdirSync(shims);
  return { dir, shims, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A stand-in for `sudo -u USER COMMAND…` that runs COMMAND as the test's own user: with PG*
 * variables naming the test server's superuser, `sudo -u postgres psql …` reaches that server.
 */
export function writeSudoShim(shims: string): void {
  const path = join(shims, 'sudo');
  writeFileSync(path, '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -u) shift 2 ;; -*) shift ;; *) break ;; esac; done\nexec "$@"\n');
  chmodSync(path, 0o755);
}

/** The environment of a fresh shell: none of the test run's Crier, database or PostgreSQL settings. */
export function freshShellEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key === 'DATABASE_URL' || key === 'PORT' || key.startsWith('CRIER_') || key.startsWith('PG') || key.startsWith('npm_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** libpq's variables for a server URL, so `psql`, `createdb` and `createuser` reach it as its user. */
export function postgresEnv(url: string): Record<string, string> {
  const u = new URL(url);
  return {
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
  };
}

export interface BlockRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** With `serves`: whether /healthz answered 200 before the block was stopped. */
  healthy: boolean;
}

export interface BlockOptions {
  cwd: string;
  env: Record<string, string>;
  /**
   * The block ends in a server (`npm start`): wait until http://127.0.0.1:PORT/healthz (PORT from
   * env) answers, then stop it with SIGTERM, as Ctrl-C would.
   */
  serves?: boolean;
  timeoutMs?: number;
}

/** Runs one example's text with bash (`set -e`: a failing line fails the block) and collects what it printed. */
export function runReadmeBlock(text: string, options: BlockOptions): Promise<BlockRun> {
  const port = options.env.PORT;
  if (options.serves && !port) throw new Error('a serving block needs PORT in its env');
  return new Promise((resolveRun, reject) => {
    const child = spawn('bash', ['-c', `set -e\n${text}`], { cwd: options.cwd, env: options.env, detached: true });
    let stdout = '';
    let stderr = '';
    let healthy = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`the block did not finish in ${options.timeoutMs ?? 120_000} ms:\n${text}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    if (options.serves) {
      const poll = setInterval(() => {
        fetch(`http://127.0.0.1:${port}/healthz`)
          .then((res) => {
            if (res.status === 200 && !healthy) {
              healthy = true;
              stop();
            }
          })
          .catch(() => undefined);
      }, 250);
      child.on('exit', () => clearInterval(poll));
    }
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr, healthy });
    });
  });
}

/** A free TCP port on 127.0.0.1 (for a serving block's PORT). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
