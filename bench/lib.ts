// Shared by the benchmarks: medians, the machine's description, and results kept as JSON lines.
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Appends one result to bench/results.jsonl, the record docs/PERFORMANCE.md quotes. */
export function recordResult(name: string, result: object): void {
  mkdirSync('bench', { recursive: true });
  appendFileSync('bench/results.jsonl', JSON.stringify({ bench: name, date: new Date().toISOString(), ...result }) + '\n');
}
