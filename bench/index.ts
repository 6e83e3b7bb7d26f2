/**
 * `npm run bench`: every benchmark, one after another, each in its own process; each prints JSON
 * lines with its figure, target and whether it was met. The list is explicit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = ['check-layer-run.ts', 'gradient-suite.ts', 'train-cpu.ts', 'check-layer-training.ts'];
const only = process.argv.slice(2);

let failed = 0;
for (const b of BENCHMARKS) {
  if (only.length && !only.some((o) => b.startsWith(o))) continue;
  const file = path.join(here, b);
  if (!existsSync(file)) {
    console.log(JSON.stringify({ bench: b.replace(/\.ts$/, ''), error: 'missing' }));
    failed++;
    continue;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
