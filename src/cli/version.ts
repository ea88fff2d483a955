// Crier's version and folder, from its package.json: found by walking up from this module, which runs from
// src/ (tsx), dist/ (tsc) or the bundle under node_modules/.cache/crier/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function crierVersion(): string {
  const root = crierRoot();
  if (!root) return 'unknown';
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  return version ?? 'unknown';
}

/** The folder of Crier's package.json (where web/ and node_modules/ are), or null if none is found. */
export function crierRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (name === 'crier' && version) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
