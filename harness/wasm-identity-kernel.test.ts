import { beforeAll, describe, expect, it } from 'vitest';
import { prepareBackend } from './backends.ts';
import { tf } from './tf.ts';
import { isHarnessKernel } from './wasm-kernel-override.ts';

describe('registerWasmIdentityKernel: Identity on wasm', () => {
  beforeAll(async () => {
    const wasm = await prepareBackend('wasm');
    expect(wasm.available, wasm.reason).toBe(true);
    await tf.setBackend('wasm');
  });

  it('is the harness kernel once wasm is prepared', () => {
    expect(isHarnessKernel('Identity')).toBe(true);
  });

  it('shares the buffer, and the clone outlives its source', async () => {
    const x = tf.randomNormal([64, 1024]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    const expected = Array.from(await x.data());
    x.dispose();
    expect(Array.from(await y.data())).toEqual(expected);
    y.dispose();
    expect((tf.backend() as unknown as { dataIdMap: { has(d: object): boolean } }).dataIdMap.has(y.dataId)).toBe(false);
  });

  it('copies a reshaped tensor, so _FusedMatMul still gets a rank-1 bias buffer', async () => {
    const b = tf.reshape(tf.tensor2d([[1, 2]]), [2]);
    const cloned = tf.clone(b);
    expect(cloned.dataId).not.toBe(b.dataId);
    const y = tf.fused.matMul({ a: tf.ones([1, 3]), b: tf.ones([3, 2]), bias: cloned });
    expect(Array.from(await y.data())).toEqual([4, 5]);
    // The reshaped tensor itself is refused by wasm, as before: its buffer is [1, 2].
    expect(() => tf.fused.matMul({ a: tf.ones([1, 3]), b: tf.ones([3, 2]), bias: b })).toThrow(/rank-1 bias/);
    tf.dispose([b, cloned, y]);
  });

  it('keeps values apart: a clone of a variable keeps its value when the variable is assigned', async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const y = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    expect(Array.from(await v.data())).toEqual([7, 8, 9]);
    tf.dispose([v, y]);
  });

  it('keeps custom gradients right: what a backward saves (cloned) is the forward input', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const f = tf.customGrad(((x: tf.Tensor, save: (t: tf.Tensor[]) => void) => {
      save([x]);
      return { value: tf.mul(x, 2), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.mul(dy, s!) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(f(t)))(x);
    expect(Array.from(await g.data())).toEqual([1, 2, 3]);
    tf.dispose([x, g]);
  });
});
