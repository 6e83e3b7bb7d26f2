import { beforeAll, describe, expect, it } from 'vitest';
import { prepareBackend } from './backends.ts';
import { tf } from './tf.ts';
import { asBatchedSwap } from './wasm-transpose-kernel.ts';
import { isHarnessKernel } from './wasm-kernel-override.ts';

/** transpose on one backend, through tf.transpose (so through the registered kernel). */
async function transposeOn(backend: string, x: tf.TensorLike, shape: number[], dtype: tf.DataType, perm: number[]) {
  await tf.setBackend(backend);
  const t = tf.tensor(x, shape, dtype);
  const y = tf.transpose(t, perm);
  const v = { shape: y.shape, values: Array.from(await y.data()) };
  tf.dispose([t, y]);
  return v;
}

describe('registerWasmTransposeKernel: Transpose on wasm', () => {
  beforeAll(async () => {
    const wasm = await prepareBackend('wasm');
    expect(wasm.available, wasm.reason).toBe(true);
  });

  it('is the harness kernel once wasm is prepared', () => {
    expect(isHarnessKernel('Transpose')).toBe(true);
  });

  it('reads permutations as batched swaps, and leaves the others to wasm', () => {
    expect(asBatchedSwap([128, 11520], [1, 0])).toEqual([1, 128, 11520]);
    expect(asBatchedSwap([4, 5, 6], [0, 2, 1])).toEqual([4, 5, 6]);
    expect(asBatchedSwap([4, 5, 6], [1, 2, 0])).toEqual([1, 4, 30]);
    expect(asBatchedSwap([4, 5, 6], [2, 0, 1])).toEqual([1, 20, 6]);
    expect(asBatchedSwap([4, 1, 6], [1, 2, 0])).toEqual([1, 4, 6]);
    expect(asBatchedSwap([3, 1, 4], [0, 1, 2])).toEqual([1, 1, 12]);
    expect(asBatchedSwap([4, 5, 6], [0, 1, 2])).toEqual([1, 1, 120]);
    expect(asBatchedSwap([2, 3, 4, 5], [3, 1, 2, 0])).toBeNull();
    expect(asBatchedSwap([4, 5, 6], [2, 1, 0])).toBeNull();
    expect(asBatchedSwap([], [])).toEqual([1, 1, 1]);
  });

  it('equals cpu bit for bit on every permutation of ranks 1 to 4, float32, int32 and bool, size-1 axes included', async () => {
    const perms = (n: number): number[][] =>
      n === 0
        ? [[]]
        : perms(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
    const shapes = [[7], [3, 5], [1, 6], [6, 1], [2, 3, 4], [4, 1, 3], [2, 3, 1, 5], [3, 2, 4, 2], [1, 1, 2, 3]];
    let compared = 0;
    for (const shape of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      for (const perm of perms(shape.length)) {
        for (const dtype of ['float32', 'int32', 'bool'] as const) {
          const x =
            dtype === 'bool'
              ? Array.from({ length: size }, (_, i) => (i * 7) % 3 === 0)
              : Array.from({ length: size }, (_, i) => (dtype === 'int32' ? i * 3 - 5 : Math.sin(i) * 1e3));
          const [wasm, cpu] = [
            await transposeOn('wasm', x, shape, dtype, perm),
            await transposeOn('cpu', x, shape, dtype, perm),
          ];
          expect(wasm, `${dtype} [${shape.join()}] perm [${perm.join()}]`).toEqual(cpu);
          compared++;
        }
      }
    }
    // 91 shape and permutation pairs, each in three dtypes.
    expect(compared).toBe(273);
  });

  it('equals cpu on the training shape [128, 11520], NaN and infinities included', async () => {
    const x = new Float32Array(128 * 11520).map((_, i) => (i % 1001 === 0 ? NaN : i % 997 === 0 ? -Infinity : i * 0.5));
    const [wasm, cpu] = [
      await transposeOn('wasm', x, [128, 11520], 'float32', [1, 0]),
      await transposeOn('cpu', x, [128, 11520], 'float32', [1, 0]),
    ];
    expect(wasm.shape).toEqual([11520, 128]);
    expect(wasm.values).toEqual(cpu.values);
  });
});
