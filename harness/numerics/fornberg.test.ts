import { describe, expect, it } from 'vitest';
import { firstDerivativeWeights } from './fornberg.ts';

describe('firstDerivativeWeights', () => {
  it('gives the textbook stencils', () => {
    expect(firstDerivativeWeights([-1, 1])).toEqual([-0.5, 0.5]);
    const five = firstDerivativeWeights([-2, -1, 0, 1, 2]).map((w) => w * 12);
    [1, -8, 0, 8, -1].forEach((w, i) => expect(five[i]).toBeCloseTo(w, 12));
    const oneSided = firstDerivativeWeights([0, -1, -2, -3]).map((w) => w * 6);
    [11, -18, 9, -2].forEach((w, i) => expect(oneSided[i]).toBeCloseTo(w, 12));
  });

  it('is exact for polynomials of degree below the number of points, on uneven points', () => {
    const pts = [-0.31, -0.1, 0, 0.07, 0.29];
    const w = firstDerivativeWeights(pts);
    // p(x) = 2 - 3x + 5x^2 - 7x^3 + 11x^4 has p'(0) = -3.
    const p = (x: number) => 2 - 3 * x + 5 * x ** 2 - 7 * x ** 3 + 11 * x ** 4;
    expect(w.reduce((s, wk, k) => s + wk * p(pts[k]!), 0)).toBeCloseTo(-3, 10);
  });
});
