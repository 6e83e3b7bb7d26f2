import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../harness/tf.ts';
import { BatchNormLayer } from './batch-norm-layer.ts';
import { relDiff } from '../test-support/rel-diff.ts';

// Tolerance for float32 (the statistics and sums are computed in different orders):
// max |ours - tf's| <= 1e-5 * max |tf's| over each tensor. Measured here on cpu: at most 1.2e-7.
const RTOL = 1e-5;

/** Derivatives of sum(layer(x) * dLdZ) with respect to x and every trainable weight (training mode). */
function grads(layer: tf.layers.Layer, X: Tensor, dLdZ: Tensor): Tensor[] {
  const x = tf.variable(X, true);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads: g } = tf.variableGrads(
    () => tf.sum(tf.mul(layer.apply(x, { training: true }) as Tensor, dLdZ)),
    [x, ...vars],
  );
  value.dispose();
  x.dispose();
  return [g[x.name]!, ...vars.map((v) => g[v.name]!)];
}

/** Our layer and tfjs's, built for `shape`, with the same scale, offset and running statistics. */
function pair(shape: number[]): { ours: BatchNormLayer; theirs: tf.layers.Layer } {
  const C = shape[shape.length - 1]!;
  const ours = new BatchNormLayer({ epsilon: 1e-5, momentum: 0.9 });
  const theirs = tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9 });
  tf.tidy(() => {
    ours.apply(tf.zeros([1, ...shape.slice(1)]));
    theirs.apply(tf.zeros([1, ...shape.slice(1)]));
    // Same order in both: scale (gamma), offset (beta), running mean, running variance.
    const weights = [
      tf.randomUniform([C], 0.5, 2, 'float32', 31),
      tf.randomNormal([C], 0, 1, 'float32', 32),
      tf.randomNormal([C], 0, 1, 'float32', 33),
      tf.randomUniform([C], 0.5, 3, 'float32', 34),
    ];
    ours.setWeights(weights);
    theirs.setWeights(weights);
  });
  return { ours, theirs };
}

const shapes = { 'rank 4 (NHWC)': [4, 5, 5, 3], 'rank 2 (N, C)': [16, 6] };

describe('reference BatchNormLayer against tf.layers.batchNormalization', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [label, shape] of Object.entries(shapes)) {
    it(`matches in training values and gradients (batch statistics), ${label}`, () => {
      const { ours, theirs } = pair(shape);
      tf.tidy(() => {
        // Channels with different means and spreads, away from zero.
        const X = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 35), 3), 5);
        const dLdZ = tf.randomNormal(shape, 0, 1, 'float32', 36);
        expect(
          relDiff(ours.apply(X, { training: true }) as Tensor, theirs.apply(X, { training: true }) as Tensor),
          'output',
        ).toBeLessThan(RTOL);
        const a = grads(ours, X, dLdZ);
        const e = grads(theirs, X, dLdZ);
        ['dLdX', 'dLdScale', 'dLdOffset'].forEach((name, i) => expect(relDiff(a[i]!, e[i]!), name).toBeLessThan(RTOL));
      });
    });

    it(`updates the running statistics as tfjs does (momentum 0.9), ${label}`, () => {
      const { ours, theirs } = pair(shape);
      tf.tidy(() => {
        const X = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 37), 2), -1);
        const before = ours.getWeights()[2]!.clone();
        ours.apply(X, { training: true });
        theirs.apply(X, { training: true });
        const [o, t] = [ours.getWeights(), theirs.getWeights()];
        expect(relDiff(o[2]!, before)).toBeGreaterThan(1e-3);
        expect(relDiff(o[2]!, t[2]!), 'running mean').toBeLessThan(RTOL);
        expect(relDiff(o[3]!, t[3]!), 'running variance').toBeLessThan(RTOL);
      });
    });

    it(`matches at prediction time (running statistics), ${label}`, () => {
      const { ours, theirs } = pair(shape);
      tf.tidy(() => {
        const X = tf.randomNormal(shape, 1, 2, 'float32', 38);
        expect(
          relDiff(ours.apply(X, { training: false }) as Tensor, theirs.apply(X, { training: false }) as Tensor),
        ).toBeLessThan(RTOL);
        expect(relDiff(ours.apply(X) as Tensor, theirs.apply(X) as Tensor)).toBeLessThan(RTOL);
      });
    });
  }

  it('describes itself as MATLAB does and round-trips its config', () => {
    const layer = new BatchNormLayer({ epsilon: 1e-3, momentum: 0.8 });
    tf.tidy(() => {
      layer.apply(tf.zeros([1, 2, 2, 20]));
    });
    expect(layer.type).toBe('Batch Normalization');
    expect(layer.description).toBe('Batch normalization with 20 channels');
    const copy = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormLayer']![1](
      BatchNormLayer,
      layer.getConfig(),
    ) as BatchNormLayer;
    expect([copy.epsilon, copy.momentum, copy.numChannels]).toEqual([1e-3, 0.8, 20]);
  });
});
