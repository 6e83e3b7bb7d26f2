/**
 * What a user writes: one describeLayer per layer. When CHECK_LAYER_FIXTURE_OUT names a folder,
 * each run's result is written there as JSON so the outer test can compare every vitest test
 * with its check's status.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeLayer } from 'check-layer/vitest';
import type { RunResult } from '../../harness/result.ts';
import { EluLayer } from '../../reference-layers/elu-layer.ts';
import { BrokenAlphaGradientElu } from './broken-elu.ts';
import { LeakyReluLayer } from './leaky-relu-layer.ts';
import { GatedResidual } from '../../fixtures/multi-io/gated-residual.ts';

const out = process.env['CHECK_LAYER_FIXTURE_OUT'];
const save = (file: string) => (run: RunResult) => {
  if (out) writeFileSync(path.join(out, file), JSON.stringify(run));
};
const suites = (process.env['CHECK_LAYER_FIXTURE_SUITES'] ?? 'shape,gradient').split(',') as ('shape' | 'gradient')[];

describeLayer('reference ELU', () => new EluLayer(), {
  inputSize: [4, 4, 3],
  suites,
  onRun: save('reference-elu.json'),
});
describeLayer('ELU with a wrong alpha gradient', () => new BrokenAlphaGradientElu(), {
  inputSize: [4, 4, 3],
  suites,
  onRun: save('broken-elu.json'),
});
describeLayer('Form A leaky ReLU', () => new LeakyReluLayer(), {
  inputSize: [4, 4, 3],
  suites,
  onRun: save('leaky-relu.json'),
});
describeLayer('gated residual with two inputs', () => new GatedResidual(), {
  inputSize: [
    [4, 4, 3],
    [4, 4, 3],
  ],
  suites,
  onRun: save('gated-residual.json'),
});
