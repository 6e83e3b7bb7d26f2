import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import { loadLayerFile } from '../../harness/load-layer.ts';
import { useBackend } from '../../harness/backends.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { EluLayer } from '../elu-layer.ts';
import { splitsAcrossWorkers } from './data-parallel.ts';
import { buildLayer, runTraining } from './run-training.ts';
import { shareOf } from './train.ts';

/** Subtracts the batch mean at training time: its observations are not independent. */
class BatchCentred extends tf.layers.Layer {
  static className = 'TestBatchCentred';
  override call(x: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
    const X = Array.isArray(x) ? x[0]! : x;
    return kwargs['training'] === true ? tf.sub(X, tf.mean(X, 0, true)) : X;
  }
}
tf.serialization.registerClass(BatchCentred);

describe('data-parallel training', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('shares a mini-batch out whole, in order, the first workers one more', () => {
    expect([0, 1, 2].map((r) => shareOf(128, 3, r))).toEqual([
      [0, 43],
      [43, 86],
      [86, 128],
    ]);
    for (const size of [1, 2, 5, 8]) {
      const parts = Array.from({ length: size }, (_, r) => shareOf(128, size, r));
      expect(parts[0]![0]).toBe(0);
      expect(parts[size - 1]![1]).toBe(128);
      parts.slice(1).forEach((p, i) => expect(p[0]).toBe(parts[i]![1]));
    }
  });

  it('splits the reference ELU, and not a layer that uses its batch statistics', () => {
    const elu = buildLayer(() => new EluLayer(), 1);
    expect(splitsAcrossWorkers(elu)).toBeNull();
    const centred = buildLayer(() => new BatchCentred({}), 1);
    expect(splitsAcrossWorkers(centred)).toMatch(/output for a batch/);
  });

  it('gives the same losses with 3 workers as with one, within float32 tolerance', async () => {
    const setting = { seed: 2, epochs: 2, trainSize: 640, testSize: 200, live: false };
    const one = await runTraining({ ...setting, workers: 1 });
    const three = await runTraining({ ...setting, workers: 3 });
    expect(one.workers).toBe(1);
    expect(three.workers).toBe(3);
    expect(three.iterations).toBe(one.iterations);
    // 10 iterations; the curve is rounded to 4 decimals.
    three.curve.loss.forEach((v, i) => expect(Math.abs(v! - one.curve.loss[i]!)).toBeLessThanOrEqual(2e-4 + 1e-4 * v!));
    expect(Math.abs(three.testAccuracy - one.testAccuracy)).toBeLessThanOrEqual(0.01);
  }, 120_000);

  it('trains a two-input layer from a file (the activation at both inputs) on 2 workers as on one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'check-layer-two-inputs-'));
    const file = path.join(dir, 'gated-residual.mjs');
    // Form A: Z = A + sigmoid(A) * B, automatic differentiation.
    writeFileSync(
      file,
      [
        "import * as tf from '@tensorflow/tfjs';",
        'class GatedResidualFile extends tf.layers.Layer {',
        "  static className = 'DataParallelTestGatedResidual';",
        '  computeOutputShape(s) { return s[0]; }',
        '  call([A, B]) { return tf.tidy(() => tf.add(A, tf.mul(tf.sigmoid(A), B))); }',
        '}',
        'tf.serialization.registerClass(GatedResidualFile);',
        'export default () => new GatedResidualFile();',
        'export const inputSize = [[4, 4, 3], [4, 4, 3]];',
      ].join('\n'),
    );
    try {
      const loaded = await loadLayerFile(file, 'default');
      const make = () =>
        LayerUnderTest.create(
          loaded.source,
          [
            [4, 4, 3],
            [4, 4, 3],
          ],
          1,
        ).fresh(1);
      const inputSize = [
        [4, 4, 3],
        [4, 4, 3],
      ];
      const setting = { seed: 1, epochs: 1, trainSize: 384, testSize: 200, live: false, numInputs: 2, layer: make };
      const one = await runTraining({ ...setting, workers: 1 });
      const two = await runTraining({
        ...setting,
        workers: 2,
        layerSpec: { kind: 'file', file, exportName: 'default', inputSize },
      });
      expect([one.workers, two.workers, two.workersNote]).toEqual([1, 2, undefined]);
      expect(two.iterations).toBe(3);
      two.curve.loss.forEach((v, i) => expect(Math.abs(v! - one.curve.loss[i]!)).toBeLessThanOrEqual(2e-4 + 1e-4 * v!));
      expect(Math.abs(two.testAccuracy - one.testAccuracy)).toBeLessThanOrEqual(0.01);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('trains a layer that mixes observations on one worker, and says why', async () => {
    const ev = await runTraining({
      seed: 1,
      epochs: 1,
      trainSize: 256,
      testSize: 100,
      live: false,
      workers: 2,
      layer: () => new BatchCentred({}),
      layerSpec: { kind: 'reference' },
    });
    expect(ev.workers).toBe(1);
    expect(ev.workersNote).toMatch(/one worker: its training-time output/);
  }, 60_000);
});
