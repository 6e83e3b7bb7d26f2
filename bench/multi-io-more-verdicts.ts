/**
 * Benchmark of verdicts, not speed, as a user runs check-layer: the layers of fixtures/multi-io-more
 * (written from outside the suites: 12 correct, 13 broken) through checkLayer, each file in its own
 * check process, shape, gradient, stability and backend suites, cpu with wasm and webgpu compared,
 * for seeds 1..--seeds (default 10). A correct layer with a check failed or incomplete is a false
 * alarm; a broken layer whose check does not fail is a miss; a broken one failing another check, or
 * located elsewhere than its header says, is "wrong check" (fixtures/multi-io-more/verdicts.ts).
 * One JSON line per layer and a summary; met when all three counts are 0. About 2 s per file and seed.
 *
 *   npx tsx bench/multi-io-more-verdicts.ts [--seeds 10] [--only NAME-SUBSTRING]
 */
import { parseArgs } from 'node:util';
import { checkLayer } from '../entry/api.ts';
import { SUITES, VERDICTS, verdictProblems } from '../fixtures/multi-io-more/verdicts.ts';

const { values } = parseArgs({
  options: { seeds: { type: 'string', default: '10' }, only: { type: 'string' } },
});
const seeds = Number(values.seeds);
const started = performance.now();
let falseAlarms = 0;
let misses = 0;
let wrongCheck = 0;
let runs = 0;

for (const v of VERDICTS.filter((x) => !values.only || x.file.includes(values.only))) {
  const t0 = performance.now();
  const bad: string[] = [];
  let layerAlarms = 0;
  let layerMisses = 0;
  let layerWrong = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const run = await checkLayer(`fixtures/multi-io-more/${v.file}`, { suites: [...SUITES], seed, output: () => {} });
    runs++;
    const problems = verdictProblems(v, run.checks);
    if (problems.length === 0) continue;
    bad.push(`seed ${seed}: ${problems.join('; ')}`);
    if (v.fails.length === 0) layerAlarms++;
    else if (problems.some((p) => p.startsWith('not failed'))) layerMisses++;
    else layerWrong++;
  }
  falseAlarms += layerAlarms;
  misses += layerMisses;
  wrongCheck += layerWrong;
  console.log(
    JSON.stringify({
      layer: v.file,
      expected: v.fails.length ? v.fails : 'pass',
      seeds,
      falseAlarms: layerAlarms,
      misses: layerMisses,
      wrongCheck: layerWrong,
      first: bad.slice(0, 3),
      s: +((performance.now() - t0) / 1000).toFixed(1),
    }),
  );
}

console.log(
  JSON.stringify({
    bench: 'multi-io-more-verdicts',
    seeds,
    runs,
    falseAlarms,
    misses,
    wrongCheck,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    met: falseAlarms === 0 && misses === 0 && wrongCheck === 0,
  }),
);
