/**
 * How large would an element's exact value be where float32 shows ±Infinity? Estimated from the
 * layer's own values at smaller inputs along the same direction: the input tensor scaled by s in
 * (0, 1] (s = 1 is the class's input). For each element that is not finite at s = 1:
 *  1. halve s until the element is finite (at most COARSE_HALVINGS times);
 *  2. bisect between that scale and the one above it REFINE times, so the last finite scale s_i
 *     lies within 2^-REFINE (relative) of where the element overflows;
 *  3. read the element at s_i and at s_i (1 - 1/SLOPE_SPAN), take its local growth exponent
 *     p = d ln|y| / d ln s there, and extrapolate: |y(1)| ~ |y(s_i)| x (1 / s_i)^p.
 * The extrapolation runs over the short gap between s_i and 1 only when the element's overflow
 * is near s = 1; a value that is finite far below (x^2 at 1e30 overflows past s ~ 1e-11) is
 * extrapolated over a long gap with its growth at that point, which for a power law is exact.
 * Elements sharing a bracket are evaluated together (a constant input usually gives one).
 * Infinity is honest overflow when the estimate is at least FLOAT32_MAX / HONEST_MARGIN: the
 * estimate may be off by that factor (the growth exponent changes between s_i and 1).
 */
import { FLOAT32_MAX } from './input-classes.ts';

export const COARSE_HALVINGS = 140;
export const REFINE = 12;
export const SLOPE_SPAN = 64;
/** Infinity is honest when the estimated exact magnitude is at least FLOAT32_MAX / HONEST_MARGIN. */
export const HONEST_MARGIN = 2;

/** Values of one tensor (a column of the grid) for the input scaled by `s`. */
export type EvaluateScaled = (s: number) => Promise<ArrayLike<number>>;

/** Estimated exact magnitudes of the elements `targets` at s = 1 (NaN where no finite value was found). */
export async function estimateMagnitudes(evaluate: EvaluateScaled, targets: number[]): Promise<Map<number, number>> {
  const cache = new Map<number, ArrayLike<number>>();
  const at = async (s: number) => {
    let v = cache.get(s);
    if (!v) cache.set(s, (v = await evaluate(s)));
    return v;
  };
  const out = new Map<number, number>();
  // 1. Coarse: the first halving at which each element is finite.
  const lo = new Map<number, number>();
  let pending = targets.slice();
  let s = 1;
  for (let k = 1; k <= COARSE_HALVINGS && pending.length; k++) {
    s /= 2;
    const v = await at(s);
    pending = pending.filter((i) => {
      if (!Number.isFinite(v[i]!)) return true;
      lo.set(i, s);
      return false;
    });
  }
  for (const i of pending) out.set(i, NaN);
  // 2. Bisect, elements with the same bracket together.
  const hi = new Map<number, number>([...lo].map(([i, l]) => [i, 2 * l]));
  for (let r = 0; r < REFINE; r++) {
    const groups = new Map<string, number[]>();
    for (const i of lo.keys()) {
      const key = `${lo.get(i)}:${hi.get(i)}`;
      const group = groups.get(key);
      if (group) group.push(i);
      else groups.set(key, [i]);
    }
    for (const members of groups.values()) {
      const a = lo.get(members[0]!)!;
      const b = hi.get(members[0]!)!;
      const mid = (a + b) / 2;
      const v = await at(mid);
      for (const i of members) {
        if (Number.isFinite(v[i]!)) lo.set(i, mid);
        else hi.set(i, mid);
      }
    }
  }
  // 3. Local growth exponent and extrapolation to s = 1.
  for (const [i, si] of lo) {
    const y1 = Math.abs((await at(si))[i]!);
    const s2 = si * (1 - 1 / SLOPE_SPAN);
    const y2 = Math.abs((await at(s2))[i]!);
    if (!(y1 > 0) || !(y2 > 0) || !Number.isFinite(y2)) {
      out.set(i, y1 > 0 ? Infinity : NaN);
      continue;
    }
    const p = Math.log(y1 / y2) / Math.log(si / s2);
    out.set(i, Math.exp(Math.log(y1) + p * Math.log(1 / si)));
  }
  return out;
}

/** Honest overflow: the estimated exact magnitude is past the float32 maximum, within the margin. */
export function isHonestMagnitude(estimate: number): boolean {
  return estimate >= FLOAT32_MAX / HONEST_MARGIN;
}
