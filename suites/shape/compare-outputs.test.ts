import { describe, expect, it } from 'vitest';
import { tf } from '../../harness/tf.ts';
import { compareOutputs } from './compare-outputs.ts';

describe('compareOutputs', () => {
  it('is exact for equal tensors and states its tolerance 1e-5 * max|Z| + 1e-6', async () => {
    const a = tf.tensor([1, -4, 2]);
    const c = await compareOutputs(a, a.clone());
    expect(c).toMatchObject({ same: true, maxAbsDiff: 0, maxAbs: 4, differing: 0, index: -1 });
    expect(c.tolerance).toBeCloseTo(1e-5 * 4 + 1e-6, 12);
  });

  it('accepts float32 rounding, rejects a difference past the tolerance, and locates the worst element', async () => {
    const a = tf.tensor([
      [100, 1],
      [2, 3],
    ]);
    expect(
      (
        await compareOutputs(
          a,
          tf.tensor([
            [100.0005, 1],
            [2, 3],
          ]),
        )
      ).same,
    ).toBe(true);
    const c = await compareOutputs(
      a,
      tf.tensor([
        [100, 1],
        [2.01, 3.1],
      ]),
    );
    expect(c).toMatchObject({ same: false, differing: 2, index: 3, position: [1, 1], a: 3 });
    expect(c.maxAbsDiff).toBeCloseTo(0.1, 5);
  });

  it('counts the same non-finite value as the same result, and NaN against anything else as a difference', async () => {
    expect(
      (await compareOutputs(tf.tensor([NaN, Infinity, -Infinity]), tf.tensor([NaN, Infinity, -Infinity]))).same,
    ).toBe(true);
    for (const other of [Infinity, 0, -Infinity]) {
      const c = await compareOutputs(tf.tensor([1, NaN]), tf.tensor([1, other]));
      expect(c.same, `NaN vs ${other}`).toBe(false);
      expect(c.maxAbsDiff).toBe(Infinity);
    }
    expect((await compareOutputs(tf.tensor([Infinity]), tf.tensor([-Infinity]))).same).toBe(false);
  });
});
