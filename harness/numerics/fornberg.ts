/**
 * Finite-difference weights for the first derivative at 0 from values at arbitrary points
 * (Fornberg 1988, "Generation of finite difference formulas on arbitrarily spaced grids").
 * The numerics perturb float32 values, so the points actually reached are the float32-rounded
 * ones, not exact multiples of the step; weights for the actual points keep every estimate exact
 * to its order instead of carrying the rounding of the step as an error.
 */

/** Weights w with f'(0) ~ sum_k w[k] * f(points[k]); exact for polynomials of degree < points.length. */
export function firstDerivativeWeights(points: readonly number[]): number[] {
  const n = points.length;
  // c[j][m]: weight of point j for the m-th derivative (m = 0, 1), built up one point at a time.
  const c = points.map(() => [0, 0]);
  c[0]![0] = 1;
  let c1 = 1;
  let c4 = points[0]!;
  for (let i = 1; i < n; i++) {
    const mn = Math.min(i, 1);
    let c2 = 1;
    const c5 = c4;
    c4 = points[i]!;
    for (let j = 0; j < i; j++) {
      const c3 = points[i]! - points[j]!;
      c2 *= c3;
      if (j === i - 1) {
        for (let m = mn; m >= 1; m--) c[i]![m] = (c1 * (m * c[i - 1]![m - 1]! - c5 * c[i - 1]![m]!)) / c2;
        c[i]![0] = (-c1 * c5 * c[i - 1]![0]!) / c2;
      }
      for (let m = mn; m >= 1; m--) c[j]![m] = (c4 * c[j]![m]! - m * c[j]![m - 1]!) / c3;
      c[j]![0] = (c4 * c[j]![0]!) / c3;
    }
    c1 = c2;
  }
  return c.map((row) => row[1]!);
}
