/**
 * Float32 facts the gradient numerics need: the machine epsilon, the spacing of float32 numbers
 * at a value, and the shortest decimal that reads back as a given float32 (for printing
 * counterexamples that replay exactly).
 */

/** Spacing of float32 numbers at 1 (2^-23): relative rounding is at most half of it. */
export const EPS32 = 2 ** -23;

/** Smallest positive normal float32. */
const MIN_NORMAL32 = 2 ** -126;

/** Rounds to the nearest float32 (as TensorFlow.js stores every value). */
export const f32 = Math.fround;

/** Spacing of float32 numbers at |x| (the size of one unit in the last place). */
export function ulp32(x: number): number {
  const a = Math.abs(x);
  if (!Number.isFinite(a)) return Infinity;
  if (a < MIN_NORMAL32) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  // log2 may round up just below a power of two: correct the exponent so 2^e <= a < 2^(e+1).
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  return 2 ** (e - 23);
}

/** The shortest decimal that reads back as the float32 `v` (at most 9 significant digits). */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const target = f32(v);
  for (let p = 1; p <= 9; p++) {
    const d = Number(target.toPrecision(p));
    if (f32(d) === target) return d;
  }
  return target;
}
