/**
 * Compares two outputs that should be the same (two calls, a batch against single observations,
 * a layer against its round-tripped copy). Stated tolerance: |a - b| <= 1e-5 * max|Z| + 1e-6,
 * max|Z| over the finite values of both: float32 kernels may round differently for a batch of
 * one than for a batch of N (a convolution's summation order, for example).
 * Non-finite values: the same non-finite value at the same element (NaN and NaN, +Inf and +Inf)
 * counts as the same result, since these checks ask "did it compute the same thing", not "is it
 * right" (the stability suite judges non-finite outputs). NaN against anything else, or +Inf
 * against -Inf or a number, is a difference.
 */
import type { OutputComparisonEvidence } from '../../harness/evidence/index.ts';
import type { Tensor } from '../../harness/tf.ts';
import { positionOf } from '../../harness/numerics/position.ts';
import { formatNumber } from '../../harness/format-number.ts';

export const RELATIVE_TOLERANCE = 1e-5;
export const ABSOLUTE_TOLERANCE = 1e-6;

export interface Comparison {
  /** True when every element agrees within the tolerance. */
  same: boolean;
  /** Largest |a - b| over the elements (Infinity where one side is non-finite and the other is not). */
  maxAbsDiff: number;
  /** max |a|, |b| over the finite values. */
  maxAbs: number;
  tolerance: number;
  /** Elements outside the tolerance. */
  differing: number;
  /** Flat index and position of the worst element (-1 and [] when the same). */
  index: number;
  position: number[];
  /** The values there. */
  a: number;
  b: number;
}

/** Element by element; both must have the same shape (check that first). Reads with `await data()` (webgpu-safe). */
export async function compareOutputs(a: Tensor, b: Tensor): Promise<Comparison> {
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let maxAbs = 0;
  for (let i = 0; i < x.length; i++) {
    const u = Number(x[i]);
    const v = Number(y[i]);
    if (Number.isFinite(u)) maxAbs = Math.max(maxAbs, Math.abs(u));
    if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const tolerance = RELATIVE_TOLERANCE * maxAbs + ABSOLUTE_TOLERANCE;
  let maxAbsDiff = 0;
  let worst = -1;
  let worstExcess = 0;
  let differing = 0;
  for (let i = 0; i < x.length; i++) {
    const u = Number(x[i]);
    const v = Number(y[i]);
    const diff =
      Object.is(u, v) || (Number.isNaN(u) && Number.isNaN(v))
        ? 0
        : Number.isFinite(u) && Number.isFinite(v)
          ? Math.abs(u - v)
          : Infinity;
    if (diff > maxAbsDiff) maxAbsDiff = diff;
    if (diff > tolerance) {
      differing++;
      if (worst < 0 || diff > worstExcess) {
        worst = i;
        worstExcess = diff;
      }
    }
  }
  return {
    same: differing === 0,
    maxAbsDiff,
    maxAbs,
    tolerance,
    differing,
    index: worst,
    position: worst < 0 ? [] : positionOf(worst, a.shape),
    a: worst < 0 ? 0 : Number(x[worst]),
    b: worst < 0 ? 0 : Number(y[worst]),
  };
}

/** The numbers a comparison puts in a check's evidence (JSON: a non-finite difference as a string). */
export function comparisonEvidence(c: Comparison): Required<Omit<OutputComparisonEvidence, 'output'>> {
  return {
    maxAbsDiff: Number.isFinite(c.maxAbsDiff) ? c.maxAbsDiff : String(c.maxAbsDiff),
    maxAbs: c.maxAbs,
    tolerance: c.tolerance,
    differing: c.differing,
  };
}

/** Numbers in the shape suite's messages: 6 significant digits, so that near-equal outputs show their difference. */
export const num = (v: number): string => formatNumber(v, 6);

/** The tolerance as the messages state it. */
export function toleranceText(c: Comparison): string {
  return `tolerance ${num(c.tolerance)} = ${RELATIVE_TOLERANCE} * max|Z| (${num(c.maxAbs)}) + ${ABSOLUTE_TOLERANCE}`;
}
