// What `crier serve` prints on a terminal once it listens: where it answers, on which database,
// through which providers, and, while no user exists, the link that creates the first admin. The
// JSON log carries the same facts for files and pipes.
import { isatty } from 'node:tty';
import type { Dialect } from '../store/store.js';

export interface ServeFacts {
  version: string;
  /** The URL it answers at, as the listening socket has it (127.0.0.1, not localhost). */
  address: string;
  /** HOST as configured: a wildcard (0.0.0.0, ::) means every interface. */
  host: string;
  database: { dialect: Dialect; location: string };
  providers: { email: string; sms: string };
  /** Whether this process runs the sender (CRIER_SENDER). */
  sender: boolean;
  /** The one-time link that creates the first admin, while no user exists. */
  setup: { url: string; expiresAt: number } | null;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

export function serveBanner(facts: ServeFacts): string {
  const row = (label: string, text: string) => `  ${label.padEnd(12)} ${text}`;
  const port = new URL(facts.address).port;
  const at = WILDCARDS.has(facts.host)
    ? `${facts.address.replace(/\/\/[^/]+/, `//${facts.host.includes(':') ? '[::]' : facts.host}:${port}`)} (every interface; from this machine ${facts.address})`
    : facts.address;
  const provider = (name: string) => (name === 'sandbox' ? 'sandbox (nothing leaves this machine)' : name);
  const lines = [
    `Crier ${facts.version} is serving at ${at}`,
    row('database', `${facts.database.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${facts.database.location}`),
    row('email', provider(facts.providers.email)),
    row('sms', provider(facts.providers.sms)),
    row('sender', facts.sender ? 'running on a thread of this process' : 'off (CRIER_SENDER=false): `crier worker` sends'),
  ];
  if (facts.setup) {
    const until = new Date(facts.setup.expiresAt).toISOString().slice(0, 16).replace('T', ' ');
    lines.push(
      row('first admin', facts.setup.url),
      row('', `one-time link, valid until ${until} UTC (or \`crier users create … --role admin\`)`),
    );
  }
  lines.push('  Ctrl-C stops Crier; its log follows.');
  return `${lines.join('\n')}\n`;
}

/** Prints the banner on stderr when stderr is a terminal (never into a file or a pipe); says whether it did. */
export function printServeBanner(
  facts: ServeFacts,
  terminal: boolean = isatty(2),
  write: (text: string) => void = (text) => process.stderr.write(text),
): boolean {
  if (!terminal) return false;
  write(serveBanner(facts));
  return true;
}
