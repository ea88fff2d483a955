// `crier accounts import` under the attribute limits: the configured ones hold, and a refusal is
// one line naming the limit and where, with exit 2 and nothing imported.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { uuidFor } from '../harness/accounts.js';
import { runCrier } from '../harness/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'crier-cli-attributes-'));
const database = join(dir, 'crier.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crier accounts import, attribute limits', () => {
  it('refuses a file beyond the configured limits, naming them, and imports nothing', async () => {
    const wide = join(dir, 'wide.csv');
    writeFileSync(wide, `uuid,first_name,plan,area,node\n${uuidFor(1)},Ann,Fibre,North,7\n`);
    const refused = await runCrier(database, ['accounts', 'import', wide], {
      CRIER_ACCOUNT_MAX_ATTRIBUTES: '2',
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(
      /^crier: Line 1: the file has 3 attribute columns, more than the 2 .*\(CRIER_ACCOUNT_MAX_ATTRIBUTES\); column 5 "node"[^\n]*$/,
    );

    const big = join(dir, 'big.csv');
    writeFileSync(
      big,
      `uuid,first_name,notes\n${uuidFor(2)},Ben,short\n${uuidFor(3)},Cy,${'n'.repeat(1025)}\n`,
    );
    const tooLarge = await runCrier(database, ['accounts', 'import', big]);
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toMatch(
      /Line 3, column 3 "notes": the value is 1025 bytes, more than the 1024 .*CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES/,
    );

    // Within a raised limit the same files import; nothing of the refused runs was applied before.
    const accepted = await runCrier(database, ['accounts', 'import', big, '--json'], {
      CRIER_ACCOUNT_MAX_ATTRIBUTE_BYTES: '2048',
    });
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ inserted: 2, updated: 0 });
    const again = await runCrier(database, ['accounts', 'import', wide, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ inserted: 1, updated: 0 });
  }, 60_000);
});
