/**
 * Benchmark of verdicts, not speed: false alarms and misses of the gradient suite over the
 * project's own gradient fixtures (test-support/gradient-fixtures.ts), cpu backend, in this
 * process. Every correct layer (CORRECT and OTHER_REFERENCE) runs the three gradient checks for
 * each of --seeds seeds (default 300): any check that neither passes nor is skipped is a false
 * alarm. Every broken layer (BROKEN) runs gradientsAreNumericallyCorrect for each of
 * --broken-seeds seeds (default 20): a pass is a miss. The layers with several inputs or outputs
 * (MULTI_IO_CORRECT, MULTI_IO_BROKEN, from fixtures/multi-io/) are judged the same way. Prints one JSON line per layer and a
 * summary line; met when there is no false alarm and no miss. Slow (minutes): run it niced.
 *
 *   npx tsx bench/fixture-verdicts.ts [--seeds 300] [--broken-seeds 20] [--only NAME-SUBSTRING] [--multi-io]
 *
 * --multi-io: only the layers with several inputs or outputs.
 */
import { parseArgs } from 'node:util';
import { tf } from '../harness/tf.ts';
import { gradientChecks } from '../suites/gradient/index.ts';
import { gradientsAreNumericallyCorrect } from '../suites/gradient/gradients-are-numerically-correct.ts';
import {
  BROKEN,
  CORRECT,
  MULTI_IO_BROKEN,
  MULTI_IO_CORRECT,
  OTHER_REFERENCE,
  runCheck,
  type TestLayer,
} from '../test-support/gradient-fixtures.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '300' },
    'broken-seeds': { type: 'string', default: '20' },
    only: { type: 'string' },
    'multi-io': { type: 'boolean', default: false },
  },
});
const seeds = Number(values.seeds);
const brokenSeeds = Number(values['broken-seeds']);
const picked = (l: TestLayer) => !values.only || l.name.includes(values.only);

await tf.setBackend('cpu');
await tf.ready();
const started = performance.now();
let falseAlarms = 0;
let misses = 0;
let correctRuns = 0;
let brokenRuns = 0;

const multiOnly = values['multi-io'];
for (const l of [...(multiOnly ? [] : [...CORRECT, ...OTHER_REFERENCE]), ...MULTI_IO_CORRECT].filter(picked)) {
  const t0 = performance.now();
  const alarms: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    for (const check of gradientChecks) {
      const r = await runCheck(check, l, seed);
      correctRuns++;
      if (r.status !== 'passed' && r.status !== 'skipped') alarms.push(`seed ${seed} ${check.id}: ${r.message}`);
    }
  }
  falseAlarms += alarms.length;
  const line = {
    layer: l.name,
    kind: 'correct',
    seeds,
    falseAlarms: alarms.length,
    first: alarms.slice(0, 3),
    s: +((performance.now() - t0) / 1000).toFixed(1),
  };
  console.log(JSON.stringify(line));
}

for (const l of [...(multiOnly ? [] : BROKEN), ...MULTI_IO_BROKEN].filter(picked)) {
  const t0 = performance.now();
  const missed: number[] = [];
  for (let seed = 1; seed <= brokenSeeds; seed++) {
    const r = await runCheck(gradientsAreNumericallyCorrect, l, seed);
    brokenRuns++;
    if (r.status !== 'failed') missed.push(seed);
  }
  misses += missed.length;
  const line = {
    layer: l.name,
    kind: 'broken',
    seeds: brokenSeeds,
    misses: missed.length,
    missedSeeds: missed,
    s: +((performance.now() - t0) / 1000).toFixed(1),
  };
  console.log(JSON.stringify(line));
}

console.log(
  JSON.stringify({
    bench: 'fixture-verdicts',
    backend: tf.getBackend(),
    seeds,
    brokenSeeds,
    correctRuns,
    falseAlarms,
    brokenRuns,
    misses,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    met: falseAlarms === 0 && misses === 0,
  }),
);
