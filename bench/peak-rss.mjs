// Preloaded into a measured process (node --import ./bench/peak-rss.mjs …): at exit it writes
// one JSON line to stderr with the process's peak resident memory and CPU time.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  const line = { peakRssMb: usage.maxRSS / 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 };
  writeSync(2, `${JSON.stringify({ measured: line })}\n`);
});
