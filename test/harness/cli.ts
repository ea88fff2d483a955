// The real `crier` command (bin/crier.js) as a child process, on a given database: its exit code
// and output, as a user at a terminal would see them.
import { execFile } from 'node:child_process';

export interface CrierRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCrier(database: string, args: readonly string[], env: Record<string, string> = {}): Promise<CrierRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/crier.js', ...args],
      { env: { ...process.env, CRIER_LOG_LEVEL: 'warn', DATABASE_URL: database, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
