import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../harness/backends.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { EluLayer } from '../elu-layer.ts';
import { loadDigits, type DigitSplit } from './digits.ts';
import { SeedNetwork } from './seed-network.ts';
import { disposePatches, patchesFromImages, patchesOnDevice, patchSource, stemTrain } from './stem.ts';

/** max |a - b| / max |b|: the error relative to the tensor's scale. */
function relError(a: Tensor, b: Tensor): number {
  return tf.tidy(() => tf.div(tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))).dataSync()[0]!);
}

describe('fused convolution + batch norm (stem) against the reference layers', () => {
  let data: DigitSplit;
  beforeAll(async () => {
    await useBackend('wasm');
    data = await loadDigits({ trainSize: 200, testSize: 10 });
  });

  it('cuts the same patches in JavaScript as on the device, and the right Gram matrix and patch sums', () => {
    tf.tidy(() => {
      const idx = Int32Array.from([5, 17, 3, 120]);
      const js = patchesFromImages(data.trainImages, idx);
      const images = tf.tensor4d(data.trainImages, [data.trainSize, 28, 28, 1]);
      const dev = patchesOnDevice(images, data.trainImages, idx);
      expect(relError(js.P, dev.P)).toBe(0);
      // The wasm kernel that cuts them on the heap.
      const source = patchSource(data.trainImages);
      const heap = source.patches(idx);
      expect(relError(heap.P, js.P)).toBe(0);
      expect(relError(heap.PT, js.PT)).toBe(0);
      expect(relError(heap.G, js.G)).toBe(0);
      source.dispose();
      expect(relError(js.PT, tf.reshape(tf.transpose(dev.PT, [1, 0, 2]), [25, js.rows]))).toBe(0);
      // G and colsum(P) from the per-image moments (prefix sums, float64) against the product P'P.
      expect(relError(js.G, tf.matMul(js.PT as tf.Tensor2D, js.P as tf.Tensor2D))).toBeLessThan(1e-5);
      expect(relError(js.psum, tf.sum(js.P, 0, true))).toBeLessThan(1e-5);
    });
  });

  it('gives the output and the gradients of Conv2dLayer then BatchNormLayer in training mode, to float32 rounding', () => {
    const layer = new EluLayer();
    layer.apply(tf.zeros([1, 24, 24, 20]));
    const net = new SeedNetwork(layer, 7);
    // Non-trivial scale and offset, so every term of the backward matters.
    net.bnScale.assign(tf.randomUniform([20], 0.5, 1.5, 'float32', 1));
    net.bnOffset.assign(tf.randomUniform([20], -0.5, 0.5, 'float32', 2));
    const idx = Int32Array.from({ length: 16 }, (_, i) => i * 3);
    const p = patchesFromImages(data.trainImages, idx);
    const x = tf.tensor4d(
      Array.from(idx).flatMap((i) => Array.from(data.trainImages.subarray(i * 784, (i + 1) * 784))),
      [16, 28, 28, 1],
    );
    const upstream = tf.randomNormal([16, 24, 24, 20], 0, 1, 'float32', 3);
    const vars = [net.convWeights, net.convBias, net.bnScale, net.bnOffset];

    const fused = tf.variableGrads(() => tf.sum(tf.mul(stemTrain(net, p), upstream)), vars);
    const reference = tf.variableGrads(
      () => tf.sum(tf.mul(net.bn.apply(net.conv.apply(x, { training: true }), { training: true }) as Tensor, upstream)),
      vars,
    );
    const zFused = stemTrain(net, p);
    const zReference = net.bn.apply(net.conv.apply(x, { training: true }), { training: true }) as Tensor;

    expect(relError(zFused, zReference)).toBeLessThan(1e-5);
    expect(Math.abs(fused.value.dataSync()[0]! - reference.value.dataSync()[0]!)).toBeLessThan(
      1e-3 * Math.abs(reference.value.dataSync()[0]!) + 1e-2,
    );
    for (const v of [net.convWeights, net.bnScale, net.bnOffset]) {
      expect(relError(fused.grads[v.name]!, reference.grads[v.name]!), v.name).toBeLessThan(1e-4);
    }
    // The bias cancels in batch norm: its exact derivative is zero; autodiff gives rounding noise.
    expect(tf.max(tf.abs(fused.grads[net.convBias.name]!)).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(reference.grads[net.convBias.name]!)).dataSync()[0]).toBeLessThan(
      1e-2 * tf.max(tf.abs(reference.grads[net.convWeights.name]!)).dataSync()[0]!,
    );
    // The device layout (per-image P', as on webgpu) gives the same gradients.
    const images = tf.tensor4d(data.trainImages, [data.trainSize, 28, 28, 1]);
    const pd = patchesOnDevice(images, data.trainImages, idx);
    const device = tf.variableGrads(() => tf.sum(tf.mul(stemTrain(net, pd), upstream)), vars);
    for (const v of [net.convWeights, net.bnScale, net.bnOffset]) {
      expect(relError(device.grads[v.name]!, fused.grads[v.name]!), `${v.name}, device layout`).toBeLessThan(1e-5);
    }
    tf.dispose([
      zFused,
      zReference,
      fused.value,
      reference.value,
      ...Object.values(fused.grads),
      ...Object.values(reference.grads),
      x,
      upstream,
    ]);
    tf.dispose([images, device.value, ...Object.values(device.grads)]);
    disposePatches(pd);
    disposePatches(p);
    net.dispose();
    layer.dispose();
  });
});
