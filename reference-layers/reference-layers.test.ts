import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../harness/tf.ts';
import { BatchNormLayer } from './batch-norm-layer.ts';
import { Conv2dLayer } from './conv2d-layer.ts';
import { EluLayer } from './elu-layer.ts';
import { relDiff } from '../test-support/rel-diff.ts';

const mnist = createRequire(import.meta.url)('mnist') as Record<number, { get(i: number): number[] }>;

/** The first `perDigit` samples of each digit from the mnist package (real digits, fixed order). */
function digits(perDigit: number): { X: Tensor; Y: Tensor } {
  const images: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < perDigit; i++) {
    for (let d = 0; d < 10; d++) {
      images.push(...mnist[d]!.get(i));
      labels.push(d);
    }
  }
  return { X: tf.tensor4d(images, [labels.length, 28, 28, 1]), Y: tf.oneHot(labels, 10).toFloat() };
}

describe('reference ELU against tf.layers.elu (alpha = 1)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  // float32: max |ours - tf's| <= 1e-5 * max |tf's|. Measured here on cpu: at most 4.2e-8.
  it('matches in values and input gradient; its alpha gradient matches autodiff of alpha * (exp(min(x, 0)) - 1)', () => {
    const ours = new EluLayer();
    const theirs = tf.layers.elu();
    tf.tidy(() => {
      const X = tf.mul(tf.randomNormal([3, 5, 5, 4], 0, 1, 'float32', 41), 3);
      const dLdZ = tf.randomNormal([3, 5, 5, 4], 0, 1, 'float32', 42);
      ours.apply(X);
      ours.learnableVariable('alpha').write(tf.ones([4]));
      const x = tf.variable(X, true);
      const alpha = ours.learnableVariable('alpha').read() as tf.Variable;
      const a = tf.variableGrads(() => tf.sum(tf.mul(ours.apply(x, { training: true }) as Tensor, dLdZ)), [x, alpha]);
      const e = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(x, { training: true }) as Tensor, dLdZ)), [x]);
      expect(relDiff(ours.apply(X) as Tensor, theirs.apply(X) as Tensor), 'output').toBeLessThan(1e-5);
      expect(relDiff(a.grads[x.name]!, e.grads[x.name]!), 'dLdX').toBeLessThan(1e-5);
      const oracle = tf.grad((al: Tensor) => tf.sum(tf.mul(tf.mul(al, tf.sub(tf.exp(tf.minimum(X, 0)), 1)), dLdZ)))(
        tf.ones([4]),
      );
      expect(relDiff(a.grads[alpha.name]!, oracle), 'dLdAlpha').toBeLessThan(1e-5);
      x.dispose();
    });
  });
});

describe('the three reference layers train inside tf.sequential + model.fit (the Form B bridge)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loss decreases, running statistics update once per step, and predict uses them', async () => {
    const conv = new Conv2dLayer({ filterSize: 5, numFilters: 4, inputShape: [28, 28, 1] });
    const bn = new BatchNormLayer();
    const model = tf.sequential({
      layers: [conv, bn, new EluLayer(), tf.layers.flatten(), tf.layers.dense({ units: 10, activation: 'softmax' })],
    });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
    const { X, Y } = digits(2);
    const N = X.shape[0];

    // The batch statistics the first step must see: the convolution's output before any update.
    const [mean, variance] = tf.tidy(() => {
      const m = tf.moments(conv.apply(X) as Tensor, [0, 1, 2]);
      return [m.mean, m.variance];
    });
    await model.fit(X, Y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    // One step from running mean 0 and variance 1 with momentum 0.9: 0.1 * batch, 0.9 + 0.1 * batch.
    tf.tidy(() => {
      expect(relDiff(bn.state['runningMean']!, tf.mul(mean, 0.1)), 'running mean after one step').toBeLessThan(1e-5);
      expect(
        relDiff(bn.state['runningVariance']!, tf.add(tf.mul(variance, 0.1), 0.9)),
        'running variance after one step',
      ).toBeLessThan(1e-5);
    });

    const history = await model.fit(X, Y, { epochs: 3, batchSize: N, shuffle: false, verbose: 0 });
    const losses = history.history['loss'] as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);

    // Prediction reads the running statistics: changing them changes the output, restoring restores it.
    const p1 = model.predict(X) as Tensor;
    const saved = bn.getWeights().map((w) => w.clone());
    tf.tidy(() => bn.setWeights([saved[0]!, saved[1]!, tf.add(saved[2]!, 1), tf.mul(saved[3]!, 4)]));
    const p2 = model.predict(X) as Tensor;
    bn.setWeights(saved);
    const p3 = model.predict(X) as Tensor;
    expect(relDiff(p2, p1)).toBeGreaterThan(1e-3);
    expect(relDiff(p3, p1)).toBe(0);
    tf.dispose([X, Y, mean, variance, p1, p2, p3, ...saved]);
    model.dispose();
  });
});
