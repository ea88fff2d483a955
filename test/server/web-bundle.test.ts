// The name of the web UI's bundle: a hash that changes with every file of web/ and with every
// file outside it that the UI imports (directly or through another), and only with those.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { webSourcesHash } from '../../src/server/web-bundle.js';

describe('web bundle hash', () => {
  const root = mkdtempSync(join(tmpdir(), 'crier-web-hash-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  write('web/index.html', '<div id="root"></div>');
  write('web/src/main.tsx', "import type { listSchema } from '../../src/server/list-schemas.js';\nimport { App } from './App';\n");
  write('web/src/App.tsx', "import { roleAllows } from '../../src/domain/roles.js';\nexport const App = () => null;\n");
  write('src/server/list-schemas.ts', "import { STATUSES } from '../domain/statuses.js';\nexport const listSchema = {};\n");
  write('src/domain/statuses.ts', "export const STATUSES = ['draft'];\n");
  write('src/domain/roles.ts', 'export const roleAllows = () => true;\n');
  write('src/server/routes.ts', '// not imported by the UI\n');
  write('package-lock.json', '{}');

  it('changes with a web file, an imported schema, what that schema imports, and the lock file; not with the rest', () => {
    const first = webSourcesHash(root);
    expect(webSourcesHash(root)).toBe(first);

    write('src/server/routes.ts', '// changed, still not imported by the UI\n');
    expect(webSourcesHash(root)).toBe(first);

    const seen = new Set([first]);
    for (const [path, text] of [
      ['web/src/App.tsx', 'export const App = () => "changed";\n'],
      ['src/server/list-schemas.ts', "import { STATUSES } from '../domain/statuses.js';\nexport const listSchema = { type: 'object' };\n"],
      ['src/domain/statuses.ts', "export const STATUSES = ['draft', 'sent'];\n"],
      ['package-lock.json', '{"lockfileVersion": 3}'],
      ['web/src/new-page.tsx', 'export const Page = () => null;\n'],
    ] as const) {
      write(path, text);
      const hash = webSourcesHash(root);
      expect(seen.has(hash), path).toBe(false);
      seen.add(hash);
    }
  });
});
