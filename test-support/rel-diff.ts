/** Test support: how far two tensors are apart, relative to the reference's scale. */
import { expect } from 'vitest';
import type { Tensor } from '../harness/tf.ts';

/** max |a - b| / max |b| (b is the reference); NaN anywhere gives NaN (never close). */
export function relDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(x[i]!) || Number.isNaN(y[i]!)) return NaN;
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}
