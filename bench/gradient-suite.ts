/**
 * Benchmark: the gradient suite (all three checks) on the reference ELU, input size 8x8x20, cpu
 * backend, seed 1, in this process, timed from a built layer to the last result (imports and
 * backend start-up excluded; the first run, so JIT warm-up included). Prints one JSON line.
 * Target: under 3 s on the project's 2-core machine. A second line: the same for a layer with
 * several inputs, scaled dot-product attention over Q [4, 8], K and V [6, 8]
 * (fixtures/multi-io/attention.ts), reported without a target of its own.
 *
 *   npx tsx bench/gradient-suite.ts
 */
import { DEFAULT_CHECK_OPTIONS } from '../harness/check.ts';
import { LayerUnderTest } from '../harness/layer-under-test.ts';
import { runChecks } from '../harness/run-checks.ts';
import { tf } from '../harness/tf.ts';
import { EluLayer } from '../reference-layers/elu-layer.ts';
import * as attention from '../fixtures/multi-io/attention.ts';
import { evidenceOf } from '../harness/evidence/index.ts';
import { gradientChecks } from '../suites/gradient/index.ts';

const TARGET_SECONDS = 3;
const SEED = 1;

await tf.setBackend('cpu');
await tf.ready();
const started = performance.now();
const cpuStarted = process.cpuUsage();
const subject = LayerUnderTest.create({ kind: 'factory', value: () => new EluLayer() }, [8, 8, 20], SEED);
const results = await runChecks({ subject, checks: gradientChecks, seed: SEED, options: DEFAULT_CHECK_OPTIONS });
const seconds = (performance.now() - started) / 1000;
// CPU time of this process (user + system): on a machine shared with other work, wall time is not the suite's cost.
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const failed = results.filter((r) => r.status !== 'passed' && r.status !== 'skipped');
if (failed.length) console.error(failed.map((r) => `${r.id}: ${r.status}: ${r.message}`).join('\n'));
const evidence = evidenceOf(results[0]!, 'gradientCheck');
console.log(
  JSON.stringify({
    bench: 'gradient-suite',
    seconds: Number(seconds.toFixed(3)),
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    target: TARGET_SECONDS,
    met: seconds < TARGET_SECONDS && failed.length === 0,
    backend: tf.getBackend(),
    forwardPasses: evidence.forwardPasses,
  }),
);

{
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const subject = LayerUnderTest.create({ kind: 'factory', value: attention.default }, attention.inputSize, SEED);
  const results = await runChecks({ subject, checks: gradientChecks, seed: SEED, options: DEFAULT_CHECK_OPTIONS });
  const cpu = process.cpuUsage(cpu0);
  const bad = results.filter((r) => r.status !== 'passed' && r.status !== 'skipped');
  if (bad.length) console.error(bad.map((r) => `attention ${r.id}: ${r.status}: ${r.message}`).join('\n'));
  console.log(
    JSON.stringify({
      bench: 'gradient-suite-attention',
      inputSizes: attention.inputSize,
      seconds: Number(((performance.now() - t0) / 1000).toFixed(3)),
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
      passed: bad.length === 0,
      backend: tf.getBackend(),
      forwardPasses: evidenceOf(results[0]!, 'gradientCheck').forwardPasses,
    }),
  );
}
