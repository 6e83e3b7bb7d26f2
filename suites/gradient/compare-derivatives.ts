/**
 * Element-by-element comparison of two float32 derivatives of the same quantity (computed two
 * ways), with a tolerance relative to each element and to the tensor's RMS. Non-finite values
 * never match anything (NaN is not close to NaN).
 */

import type { DerivativeComparison, DerivativeTolerance } from '../../harness/evidence/index.ts';

export type { DerivativeComparison, DerivativeTolerance } from '../../harness/evidence/index.ts';

export function rms(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return v.length ? Math.sqrt(s / v.length) : 0;
}

/** Compares `actual` with `expected` elementwise. Lengths must match. */
export function compareDerivatives(
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  tol: DerivativeTolerance,
): DerivativeComparison {
  const scale = Math.max(rms(expected), rms(actual));
  const out: DerivativeComparison = {
    mismatches: 0,
    maxAbsError: 0,
    maxRelError: 0,
    worstIndex: -1,
    expected: NaN,
    actual: NaN,
    tolerance: 0,
  };
  let worst = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const big = Math.max(Math.abs(e), Math.abs(a));
    const t = tol.rel * big + tol.relToRms * scale;
    const d = Math.abs(a - e);
    const finite = Number.isFinite(e) && Number.isFinite(a) && Number.isFinite(d);
    const err = finite ? d : Infinity;
    const ratio = finite ? (t > 0 ? d / t : d > 0 ? Infinity : 0) : Infinity;
    if (!(err <= t)) out.mismatches++;
    out.maxAbsError = Math.max(out.maxAbsError, err);
    out.maxRelError = Math.max(out.maxRelError, big > 0 ? err / big : err > 0 ? Infinity : 0);
    if (ratio > worst) {
      worst = ratio;
      Object.assign(out, { worstIndex: i, expected: e, actual: a, tolerance: t });
    }
  }
  return out;
}
