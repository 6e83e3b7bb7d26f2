/**
 * Measures how far wasm and webgpu are from cpu for the reference layers, to choose and re-check
 * backendsAgree's tolerances (not a test; prints one line per layer, backend and quantity):
 *
 *   npx tsx bench/measure-backend-tolerances.ts [seeds=20]
 *
 * `max|d|/max|cpu|` is what atol must cover; `worstRatio` is the share of the current tolerance used.
 */
import { DEFAULT_CHECK_OPTIONS } from '../harness/check.ts';
import { isEvidenceOf } from '../harness/evidence/index.ts';
import { LayerUnderTest } from '../harness/layer-under-test.ts';
import { runChecks } from '../harness/run-checks.ts';
import { tf } from '../harness/tf.ts';
import { BatchNormLayer } from '../reference-layers/batch-norm-layer.ts';
import { Conv2dLayer } from '../reference-layers/conv2d-layer.ts';
import { EluLayer } from '../reference-layers/elu-layer.ts';
import { backendsAgree } from '../suites/backend/backends-agree.ts';

const layers: [string, () => unknown, number[]][] = [
  ['elu 8x8x20', () => new EluLayer(), [8, 8, 20]],
  ['elu 24x24x20', () => new EluLayer(), [24, 24, 20]],
  ['conv 5x5x4 on 12x12x3', () => new Conv2dLayer({ filterSize: 5, numFilters: 4 }), [12, 12, 3]],
  [
    'conv 3x3/2 same on 9x8x3',
    () => new Conv2dLayer({ filterSize: 3, numFilters: 6, stride: 2, padding: 'same' }),
    [9, 8, 3],
  ],
  ['conv 5x5x20 on 28x28x1', () => new Conv2dLayer({ filterSize: 5, numFilters: 20 }), [28, 28, 1]],
  ['bn 6x6x4', () => new BatchNormLayer(), [6, 6, 4]],
  ['bn 24x24x20', () => new BatchNormLayer(), [24, 24, 20]],
  ['bn (N, 10)', () => new BatchNormLayer(), [10]],
];

const seeds = Number(process.argv[2] ?? 20);
await tf.setBackend('cpu');
const worst = new Map<string, { atolNeeded: number; ratio: number }>();
for (const [label, make, size] of layers) {
  for (let seed = 1; seed <= seeds; seed++) {
    const subject = LayerUnderTest.create({ kind: 'factory', value: make }, size, seed);
    const [r] = await runChecks({
      subject,
      checks: [backendsAgree],
      seed,
      options: { ...DEFAULT_CHECK_OPTIONS, compareBackends: ['wasm', 'webgpu'] },
    });
    if (r!.status !== 'passed') console.log(`${label} seed ${seed}: ${r!.status}: ${r!.message}`);
    const backends = isEvidenceOf(r!.evidence, 'backends') ? r!.evidence.backends : {};
    for (const [b, v] of Object.entries(backends)) {
      for (const q of v.quantities ?? []) {
        const key = `${label.padEnd(26)} ${b.padEnd(7)} ${q.quantity}`;
        const w = worst.get(key) ?? { atolNeeded: 0, ratio: 0 };
        worst.set(key, {
          atolNeeded: Math.max(w.atolNeeded, q.maxAbsDiff / (q.scale || 1)),
          ratio: Math.max(w.ratio, q.worstRatio),
        });
      }
    }
  }
}
for (const [k, w] of worst)
  console.log(`${k.padEnd(50)} max|d|/max|cpu| ${w.atolNeeded.toExponential(2)}  worstRatio ${w.ratio.toFixed(4)}`);
