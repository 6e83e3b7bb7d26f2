/**
 * `npm run bench`: every benchmark, one after another, each in its own process; each prints JSON
 * lines with its figure, target and whether it was met. The list is explicit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Name (what `npm run bench NAME` matches), file and arguments. */
const BENCHMARKS: { name: string; file: string; args?: string[] }[] = [
  { name: 'check-layer-run', file: 'check-layer-run.ts' },
  { name: 'gradient-suite', file: 'gradient-suite.ts' },
  // False alarms (correct fixtures, 300 seeds) and misses (broken fixtures, 20 seeds) of the gradient suite: minutes.
  { name: 'fixture-verdicts', file: 'fixture-verdicts.ts' },
  // Verdicts of all four suites on fixtures/multi-io-more (written outside the suites), 10 seeds, as users run it: minutes.
  { name: 'multi-io-more-verdicts', file: 'multi-io-more-verdicts.ts' },
  { name: 'train-cpu', file: 'train-cpu.ts' },
  { name: 'check-layer-training', file: 'check-layer-training.ts' },
  { name: 'check-layer-jobs', file: 'check-layer-jobs.ts' },
  // Dispatches per training iteration on WebGPU, on Mesa's software adapter where no GPU is (skipped without either).
  { name: 'train-gpu-dispatches', file: 'train-gpu.ts', args: ['--dispatches-only'] },
];
const only = process.argv.slice(2);

let failed = 0;
for (const b of BENCHMARKS) {
  if (only.length && !only.some((o) => b.name.startsWith(o))) continue;
  const file = path.join(here, b.file);
  if (!existsSync(file)) {
    console.log(JSON.stringify({ bench: b.name, error: 'missing' }));
    failed++;
    continue;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...(b.args ?? [])], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
