import { beforeAll, describe, expect, it } from 'vitest';
import { prepareBackend } from './backends.ts';
import { tf } from './tf.ts';
import { isHarnessKernel } from './wasm-kernel-override.ts';
import { asColumnSum } from './wasm-sum-kernel.ts';

async function sumOn(
  backend: string,
  x: Float32Array | number[],
  shape: number[],
  axis: number | number[],
  keepDims = false,
) {
  await tf.setBackend(backend);
  const t = tf.tensor(x, shape, 'float32');
  const y = tf.sum(t, axis, keepDims);
  const v = { shape: y.shape, dtype: y.dtype, values: Array.from(await y.data()) };
  tf.dispose([t, y]);
  return v;
}

describe('registerWasmSumKernel: Sum on wasm', () => {
  beforeAll(async () => {
    const wasm = await prepareBackend('wasm');
    expect(wasm.available, wasm.reason).toBe(true);
  });

  it('is the harness kernel once wasm is prepared', () => {
    expect(isHarnessKernel('Sum')).toBe(true);
  });

  it('takes leading axes only, in any order and sign', () => {
    expect(asColumnSum([128, 24, 24, 20], [0, 1, 2])).toEqual([73728, 20, 3]);
    expect(asColumnSum([128, 24, 24, 20], [2, -3, 0])).toEqual([73728, 20, 3]);
    expect(asColumnSum([128, 10], 0)).toEqual([128, 10, 1]);
    expect(asColumnSum([128, 10], 1)).toBeNull();
    expect(asColumnSum([128, 10], [0, 1])).toBeNull();
    expect(asColumnSum([4, 5, 6], [0, 2])).toBeNull();
  });

  it('equals cpu bit for bit over leading axes (float64 sums in the same order), and on other axes within float32', async () => {
    const shape = [128, 24, 24, 20];
    const x = new Float32Array(128 * 24 * 24 * 20).map((_, i) => Math.sin(i * 0.37) * (1 + (i % 13)));
    for (const axis of [[0, 1, 2], [0], [0, 1]]) {
      for (const keepDims of [false, true]) {
        const [wasm, cpu] = [
          await sumOn('wasm', x, shape, axis, keepDims),
          await sumOn('cpu', x, shape, axis, keepDims),
        ];
        expect(wasm, `axis [${axis.join()}] keepDims ${keepDims}`).toEqual(cpu);
      }
    }
    // Not leading: wasm's own kernel, float32 sums, close to cpu's.
    const [wasm, cpu] = [await sumOn('wasm', x, shape, [1, 2]), await sumOn('cpu', x, shape, [1, 2])];
    expect(wasm.shape).toEqual(cpu.shape);
    wasm.values.forEach((v, i) =>
      expect(Math.abs(v - cpu.values[i]!)).toBeLessThan(1e-3 * (1 + Math.abs(cpu.values[i]!))),
    );
  });

  it('keeps NaN, infinities and int32 sums as before', async () => {
    const x = [1, NaN, 2, Infinity, 3, -Infinity, 4, 5];
    expect(await sumOn('wasm', x, [4, 2], 0)).toEqual(await sumOn('cpu', x, [4, 2], 0));
    await tf.setBackend('wasm');
    const i = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const s = tf.sum(i, 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(await s.data())).toEqual([4, 6]);
    tf.dispose([i, s]);
  });
});
