// `npm run bench`: every benchmark in turn, each in its own process; results are appended to
// bench/results.jsonl and quoted in docs/PERFORMANCE.md. Name benchmarks to run only those.
import { spawnSync } from 'node:child_process';

const ALL = ['accounts-import', 'import-floor', 'recipients-import', 'expansion', 'dispatch', 'pagination', 'outcome-index-cost', 'api-while-sending', 'cancel-mid-send', 'smtp', 'webhooks', 'webhook-update-cost', 'ui-first-page'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
for (const name of chosen) {
  console.log(`\n# ${name}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
