import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../harness/tf.ts';
import { Conv2dLayer, conv2dFilterGradientByConvolution, type Conv2dPadding } from './conv2d-layer.ts';
import { relDiff } from '../test-support/rel-diff.ts';

// Tolerance for float32 (both sides sum the same products in different orders):
// max |ours - tf's| <= 1e-5 * max |tf's| over each tensor. Measured here on cpu: 0 for the layer
// (the same kernels), at most 3.4e-7 for the filter gradient computed as a convolution.
const RTOL = 1e-5;

/** Output and derivatives of sum(layer(x) * dLdZ) with respect to x and every trainable weight. */
function valueAndGrads(layer: tf.layers.Layer, X: Tensor, dLdZ: Tensor): { Z: Tensor; grads: Tensor[] } {
  const x = tf.variable(X, true);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const Z = layer.apply(x, { training: true }) as Tensor;
  const { grads } = tf.variableGrads(
    () => tf.sum(tf.mul(layer.apply(x, { training: true }) as Tensor, dLdZ)),
    [x, ...vars],
  );
  const out = { Z, grads: [grads[x.name]!, ...vars.map((v) => grads[v.name]!)] };
  x.dispose();
  return out;
}

interface Case {
  filterSize: number | [number, number];
  stride: number | [number, number];
  padding: Conv2dPadding;
}
const cases: Case[] = [
  { filterSize: 3, stride: 1, padding: 'valid' },
  { filterSize: 3, stride: 1, padding: 'same' },
  { filterSize: 3, stride: 2, padding: 'valid' },
  { filterSize: 3, stride: 2, padding: 'same' },
  { filterSize: [4, 2], stride: [2, 1], padding: 'same' },
  { filterSize: [2, 3], stride: [1, 3], padding: 'valid' },
];

describe('reference Conv2dLayer against tf.layers.conv2d', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of cases) {
    it(`matches in values and gradients: filter ${JSON.stringify(c.filterSize)}, stride ${JSON.stringify(c.stride)}, padding ${c.padding}`, () => {
      tf.tidy(() => {
        const X = tf.randomNormal([3, 9, 8, 3], 0, 1, 'float32', 11);
        const ours = new Conv2dLayer({ filterSize: c.filterSize, numFilters: 5, stride: c.stride, padding: c.padding });
        const theirs = tf.layers.conv2d({
          filters: 5,
          kernelSize: c.filterSize,
          strides: c.stride,
          padding: c.padding,
          useBias: true,
        });
        ours.apply(X);
        theirs.apply(X);
        const W = tf.randomNormal(ours.learnableVariable('weights').shape as number[], 0, 0.5, 'float32', 12);
        const b = tf.randomNormal([5], 0, 0.5, 'float32', 13);
        ours.setWeights([W, b]);
        theirs.setWeights([W, b]);
        const a = valueAndGrads(ours, X, tf.randomNormal((theirs.apply(X) as Tensor).shape, 0, 1, 'float32', 14));
        const e = valueAndGrads(theirs, X, tf.randomNormal((theirs.apply(X) as Tensor).shape, 0, 1, 'float32', 14));
        expect(relDiff(a.Z, e.Z), 'output').toBeLessThan(RTOL);
        ['dLdX', 'dLdWeights', 'dLdBias'].forEach((name, i) =>
          expect(relDiff(a.grads[i]!, e.grads[i]!), name).toBeLessThan(RTOL),
        );
      });
    });
  }

  it('works without bias', () => {
    tf.tidy(() => {
      const layer = new Conv2dLayer({ filterSize: 2, numFilters: 3, useBias: false });
      const Z = layer.apply(tf.ones([1, 4, 4, 2])) as Tensor;
      expect(layer.learnableNames()).toEqual(['weights']);
      expect(Z.shape).toEqual([1, 3, 3, 3]);
    });
  });

  for (const c of cases) {
    it(`computes the filter gradient as a convolution (the wasm path) like the Conv2DBackpropFilter kernel: filter ${JSON.stringify(c.filterSize)}, stride ${JSON.stringify(c.stride)}, ${c.padding}`, () => {
      tf.tidy(() => {
        const [fh, fw] = typeof c.filterSize === 'number' ? [c.filterSize, c.filterSize] : c.filterSize;
        const stride: [number, number] = typeof c.stride === 'number' ? [c.stride, c.stride] : c.stride;
        const X = tf.randomNormal<tf.Rank.R4>([2, 9, 8, 3], 0, 1, 'float32', 21);
        const oh = tf.conv2d(X, tf.zeros<tf.Rank.R4>([fh, fw, 3, 4]), stride, c.padding).shape;
        const dLdZ = tf.randomNormal<tf.Rank.R4>(oh, 0, 1, 'float32', 22);
        const kernel = tf
          .engine()
          .runKernel<Tensor>(
            'Conv2DBackpropFilter',
            { x: X, dy: dLdZ },
            { strides: stride, pad: c.padding, dataFormat: 'NHWC', filterShape: [fh, fw, 3, 4] },
          );
        const byConvolution = conv2dFilterGradientByConvolution(X, dLdZ, [fh, fw, 3, 4], {
          stride,
          padding: c.padding,
        });
        expect(relDiff(byConvolution, kernel)).toBeLessThan(RTOL);
      });
    });
  }

  it('describes itself as MATLAB does and round-trips its config', () => {
    const layer = new Conv2dLayer({ filterSize: 5, numFilters: 20 });
    tf.tidy(() => {
      layer.apply(tf.zeros([1, 28, 28, 1]));
    });
    expect(layer.type).toBe('Convolution');
    expect(layer.description).toBe('20 5x5x1 convolutions with stride [1 1] and padding [0 0 0 0]');
    const copy = tf.serialization.SerializationMap.getMap().classNameMap['Conv2dLayer']![1](
      Conv2dLayer,
      layer.getConfig(),
    ) as Conv2dLayer;
    expect([copy.filterSize, copy.numFilters, copy.stride, copy.padding, copy.useBias, copy.numChannels]).toEqual([
      [5, 5],
      20,
      [1, 1],
      'valid',
      true,
      1,
    ]);
  });

  it('rejects impossible arguments with a message naming them', () => {
    expect(() => new Conv2dLayer({ filterSize: 0, numFilters: 2 })).toThrow(/filterSize/);
    expect(() => new Conv2dLayer({ filterSize: 3, numFilters: 2, padding: 'full' as never })).toThrow(/padding/);
  });
});
