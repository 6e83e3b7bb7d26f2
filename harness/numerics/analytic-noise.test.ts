import { describe, expect, it } from 'vitest';
import { CrossAttention } from '../../fixtures/multi-io-more/cross-attention.ts';
import { LayerUnderTest } from '../layer-under-test.ts';
import { makeRng } from '../random.ts';
import { tf } from '../tf.ts';
import { analyticNoise } from './analytic-noise.ts';
import { analyticGradients } from './compare-gradients.ts';

/** analyticNoise with the subject's own derivatives, nothing held. */
function noiseOf(
  subject: LayerUnderTest,
  xs: Float32Array[],
  xShapes: number[][],
  dLdZs: tf.Tensor[],
  analytic: Record<string, Float32Array>,
  seed: number,
) {
  return analyticNoise({
    subject,
    xs,
    xShapes,
    dLdZs,
    analytic,
    gradients: (X, d) => analyticGradients(subject, X, d),
    hold: () => false,
    seed,
  });
}

/** The analytic derivatives and their measured noise for `make` at random inputs (learnables scaled by `gain`). */
async function measure(make: () => tf.layers.Layer, sizes: number[][], gain: number, seed: number) {
  const subject = LayerUnderTest.create({ kind: 'factory', value: make }, sizes, seed);
  for (const name of subject.learnableNames()) {
    const v = subject.learnableVariable(name);
    v.assign(tf.tidy(() => tf.mul(v, gain)));
  }
  const random = makeRng(seed);
  const xShapes = sizes.map((s) => [2, ...s]);
  const xs = xShapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => 6 * random() - 3));
  const Xs = xs.map((x, i) => tf.tensor(x, xShapes[i], 'float32'));
  const Zs = tf.tidy(() => subject.forwardAll(Xs).Zs);
  const dLdZs = Zs.map((Z) => tf.tidy(() => tf.sign(tf.randomNormal(Z.shape, 0, 1, 'float32', seed))));
  try {
    const analytic = await analyticGradients(subject, Xs, dLdZs);
    const noise = await noiseOf(subject, xs, xShapes, dLdZs, analytic, seed);
    // The largest noise relative to the largest derivative, per parameter.
    const relative = (name: string) => Math.max(...noise[name]!) / Math.max(...Array.from(analytic[name]!, Math.abs));
    return { analytic, noise, relative, learnables: subject.learnableNames() };
  } finally {
    tf.dispose([...Xs, ...Zs, ...dLdZs]);
  }
}

describe('analyticNoise: the float32 rounding of a layer’s own derivatives, measured at jittered points', () => {
  it('is a few EPS32 for a dense layer (no cancellation)', async () => {
    const make = () => tf.layers.dense({ units: 3, useBias: false });
    const m = await measure(make, [[4]], 1, 5);
    expect(m.relative('input')).toBeLessThan(1e-6);
    expect(m.relative(m.learnables[0]!)).toBeLessThan(1e-6);
  });

  it('grows with the softmax’s steepness in cross-attention: a few EPS32 at gain 2, hundreds at gain 32, where the backward cancels', async () => {
    for (const seed of [1, 2, 3]) {
      const gentle = await measure(
        () => new CrossAttention(),
        [
          [5, 4],
          [6, 4],
        ],
        2,
        seed,
      );
      const steep = await measure(
        () => new CrossAttention(),
        [
          [5, 4],
          [6, 4],
        ],
        32,
        seed,
      );
      expect(gentle.relative('Wq')).toBeLessThan(1e-6);
      expect(steep.relative('Wq')).toBeGreaterThan(1e-5);
    }
  });

  it('leaves the learnables where they were', async () => {
    const subject = LayerUnderTest.create(
      { kind: 'factory', value: () => new CrossAttention() },
      [
        [5, 4],
        [6, 4],
      ],
      7,
    );
    const before = Array.from(await subject.learnableVariable('Wq').data());
    const xs = [new Float32Array(40).fill(0.5), new Float32Array(48).fill(-0.25)];
    const xShapes = [
      [2, 5, 4],
      [2, 6, 4],
    ];
    const Xs = xs.map((x, i) => tf.tensor(x, xShapes[i], 'float32'));
    const dLdZs = [tf.ones([2, 5, 4])];
    const analytic = await analyticGradients(subject, Xs, dLdZs);
    await noiseOf(subject, xs, xShapes, dLdZs, analytic, 1);
    expect(Array.from(await subject.learnableVariable('Wq').data())).toEqual(before);
    tf.dispose([...Xs, ...dLdZs]);
  });
});
