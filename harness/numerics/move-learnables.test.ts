import { describe, expect, it } from 'vitest';
import { AVOID, MOVE_MAX, MOVE_MIN, movedValues } from './move-learnables.ts';

describe('movedValues', () => {
  it("moves 'ones' and 'zeros' to values apart from each other, at least 0.2 away from 0 and 1", () => {
    for (const start of [0, 1]) {
      const moved = movedValues(new Float32Array(16).fill(start), 7);
      expect(new Set(moved).size).toBe(16);
      for (const v of moved) {
        expect(Math.abs(v - start)).toBeGreaterThanOrEqual(MOVE_MIN - 1e-6);
        expect(Math.abs(v - start)).toBeLessThanOrEqual(MOVE_MAX + 1e-6);
        expect(Math.abs(v)).toBeGreaterThan(AVOID);
        expect(Math.abs(v - 1)).toBeGreaterThan(AVOID);
      }
    }
  });

  it('moves a constant by a share of its magnitude, and random values by 20 to 50% of their own, keeping signs', () => {
    for (const v of movedValues(new Float32Array(8).fill(-4), 3))
      expect(Math.abs(v + 4)).toBeGreaterThanOrEqual(0.8 - 1e-6);
    const start = Float32Array.from([0.3, -2, 0.01, 5, -0.7]);
    const moved = movedValues(start, 11);
    start.forEach((s, i) => {
      const ratio = moved[i]! / s;
      expect(Math.abs(ratio - 1)).toBeGreaterThanOrEqual(MOVE_MIN - 1e-6);
      expect(Math.abs(ratio - 1)).toBeLessThanOrEqual(MOVE_MAX + 1e-6);
    });
  });

  it('is the same for the same seed and differs for another', () => {
    const start = new Float32Array(5).fill(1);
    expect(movedValues(start, 1)).toEqual(movedValues(start, 1));
    expect(movedValues(start, 1)).not.toEqual(movedValues(start, 2));
  });
});
