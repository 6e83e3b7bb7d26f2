/**
 * Compares one tensor's values on a backend with the same tensor on cpu (the reference), with a
 * stated float32 tolerance. Plain numbers in, plain data out (no TensorFlow.js here).
 *
 * Element i agrees when |got_i - cpu_i| <= atol * scale + rtol * |cpu_i|, where scale is the
 * largest |cpu| in the tensor: a sum of many terms carries rounding errors proportional to the
 * terms' size, not to the (possibly cancelled) result, so an element near zero is judged against
 * the tensor's magnitude. NaN never agrees with anything; an infinity agrees only with the same
 * infinity.
 *
 * `typicalScale` (gradients): the largest |cpu| of the same derivative for other random upstream
 * gradients. A derivative with few elements, each a long sum (a scalar learnable's), can cancel to
 * near zero for one upstream gradient while its terms, and so its rounding, stay large; the
 * tensor's own largest |cpu| then understates the scale. The scale is the larger of the two.
 */

import type { BackendTolerance } from '../../harness/evidence/index.ts';

export type Tolerance = BackendTolerance;

export interface Comparison {
  /** max_i |got_i - cpu_i|: Infinity when one side only is infinite, NaN when either side has a NaN. */
  maxAbsDiff: number;
  /** max_i |got_i - cpu_i| / |cpu_i| over elements with cpu_i != 0. */
  maxRelDiff: number;
  /** Largest |cpu| in the tensor, or the typical scale where larger (the scale of atol). */
  scale: number;
  /** max_i |got_i - cpu_i| / allowed_i: at most 1 when the tensor agrees. */
  worstRatio: number;
  /** The element with the worst ratio (flat index), and its values. */
  worstIndex: number;
  cpuValue: number;
  value: number;
  /** The allowed difference at that element. */
  allowed: number;
  agrees: boolean;
}

export function compareToReference(
  cpu: ArrayLike<number>,
  got: ArrayLike<number>,
  tol: Tolerance,
  typicalScale = 0,
): Comparison {
  if (cpu.length !== got.length)
    throw new Error(`compareToReference: ${got.length} values against ${cpu.length} on cpu`);
  let scale = Number.isFinite(typicalScale) ? typicalScale : 0;
  for (let i = 0; i < cpu.length; i++) if (Number.isFinite(cpu[i]!)) scale = Math.max(scale, Math.abs(cpu[i]!));
  let maxAbsDiff = 0;
  let maxRelDiff = 0;
  let worstRatio = 0;
  let worstIndex = cpu.length > 0 ? 0 : -1;
  let sawNaN = false;
  for (let i = 0; i < cpu.length; i++) {
    const c = cpu[i]!;
    const g = got[i]!;
    const allowed = tol.atol * scale + tol.rtol * Math.abs(c);
    let diff: number;
    let ratio: number;
    if (Number.isNaN(c) || Number.isNaN(g)) {
      diff = NaN;
      ratio = Infinity;
    } else if (!Number.isFinite(c) || !Number.isFinite(g)) {
      diff = c === g ? 0 : Infinity;
      ratio = c === g ? 0 : Infinity;
    } else {
      diff = Math.abs(g - c);
      ratio = diff === 0 ? 0 : allowed > 0 ? diff / allowed : Infinity;
      if (c !== 0) maxRelDiff = Math.max(maxRelDiff, diff / Math.abs(c));
    }
    if (Number.isNaN(diff)) sawNaN = true;
    else maxAbsDiff = Math.max(maxAbsDiff, diff);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worstIndex = i;
    }
  }
  const c = cpu[worstIndex] ?? 0;
  return {
    maxAbsDiff: sawNaN ? NaN : maxAbsDiff,
    maxRelDiff,
    scale,
    worstRatio,
    worstIndex,
    cpuValue: c,
    value: got[worstIndex] ?? 0,
    allowed: tol.atol * scale + tol.rtol * Math.abs(c),
    agrees: worstRatio <= 1,
  };
}
