import { beforeAll, describe, expect, it } from 'vitest';
import { prepareBackend } from './backends.ts';
import { tf } from './tf.ts';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

/** dL/dW of sum(conv2d(x, w) * dy) on one backend, through tf.grad (so through the Conv2DBackpropFilter kernel). */
async function filterGradient(
  backend: string,
  x: Float32Array,
  xShape: number[],
  w: Float32Array,
  wShape: number[],
  stride: number | [number, number],
  pad: Pad,
): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
    const wt = tf.tensor4d(w, wShape as [number, number, number, number]);
    const y = tf.conv2d(xt, wt, stride, pad);
    const dy = tf.tensor(
      Float32Array.from({ length: y.size }, (_, i) => Math.sin(i * 0.7) + 0.1),
      y.shape,
    );
    return tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt, v as tf.Tensor4D, stride, pad), dy)))(wt)
      .dataSync() as Float32Array;
  });
}

describe('registerWasmTrainingKernels: Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    const wasm = await prepareBackend('wasm');
    expect(wasm.available, wasm.reason).toBe(true);
  });

  it('is registered once wasm is prepared', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeTruthy();
  });

  const cases: [string, number[], number[], number | [number, number], Pad][] = [
    ['the seed network: 5x5x1x20 over 28x28, valid', [1, 28, 28, 1], [5, 5, 1, 20], 1, 'valid'],
    ['stride 2, valid, odd sizes (rows dropped)', [2, 9, 11, 3], [3, 2, 3, 4], 2, 'valid'],
    ['stride 2, same', [2, 9, 11, 3], [3, 2, 3, 4], 2, 'same'],
    ['stride 3, same, 4x4 filter', [2, 10, 10, 2], [4, 4, 2, 3], 3, 'same'],
    ['stride 1, padding 1', [2, 8, 7, 2], [3, 3, 2, 3], 1, 1],
    // Not a number padding with unequal strides: tfjs-core then computes the output width with the
    // height's stride (getPadAndOutInfo), and wasm's Conv2D writes past its output buffer.
    [
      'stride [2, 1], explicit padding',
      [2, 8, 7, 2],
      [3, 3, 2, 3],
      [2, 1],
      [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
    ],
  ];
  for (const [name, xShape, wShape, stride, pad] of cases) {
    it(`matches the cpu backend's kernel: ${name}`, async () => {
      const x = Float32Array.from({ length: xShape.reduce((a, b) => a * b) }, (_, i) => Math.cos(i * 1.3));
      const w = Float32Array.from({ length: wShape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 0.31));
      const expected = await filterGradient('cpu', x, xShape, w, wShape, stride, pad);
      const seen = await filterGradient('wasm', x, xShape, w, wShape, stride, pad);
      const scale = Math.max(...expected.map(Math.abs));
      const worst = Math.max(...seen.map((v, i) => Math.abs(v - expected[i]!)));
      expect(seen.length).toBe(expected.length);
      expect(worst / scale).toBeLessThan(1e-5);
    });
  }

  it('leaves no tensor or wasm buffer behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 12, 12, 3]);
    const w = tf.randomNormal([3, 3, 3, 4]);
    const before = tf.memory().numTensors;
    const backend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
    const buffersBefore = backend.dataIdMap.numDataIds();
    tf.tidy(() => {
      tf.grad((v: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, v as tf.Tensor4D, 2, 'same')))(w);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(backend.dataIdMap.numDataIds()).toBe(buffersBefore);
    tf.dispose([x, w]);
  });
});
