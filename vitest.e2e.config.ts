import { defineConfig } from 'vitest/config';

// The end-to-end suite (npm run test:e2e): a real `crier serve` and Debian's Chromium per file,
// one file at a time (two cores run a server, its sender thread and a browser).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
