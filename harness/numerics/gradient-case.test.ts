import { describe, expect, it } from 'vitest';
import { f32 } from './float32.ts';
import {
  crop,
  drawCase,
  isNearKink,
  isSpecialValue,
  kinkStep,
  scaleOf,
  shrinkCase,
  upstreamValues,
  type GradientCase,
} from './gradient-case.ts';

describe('drawn gradient cases', () => {
  it('are the same for the same seed and differ across seeds', () => {
    expect(drawCase(7, 2, [4, 4, 3], true)).toEqual(drawCase(7, 2, [4, 4, 3], true));
    expect(drawCase(7, 2, [4, 4, 3], true).x).not.toEqual(drawCase(8, 2, [4, 4, 3], true).x);
  });

  it('hold float32 values of magnitude about 1, 10 and 30, both signs, some exactly on likely kinks unless told not to', () => {
    const c = drawCase(3, 2, [8, 8, 3], true);
    expect(c.x).toHaveLength(2 * 8 * 8 * 3);
    for (const v of c.x) {
      expect(Math.abs(v)).toBeLessThanOrEqual(40);
      expect(f32(v)).toBe(v);
    }
    const count = (s: string) => c.x.filter((v) => scaleOf(v) === s).length;
    expect(count('about 1')).toBeGreaterThan(c.x.length / 2);
    for (const s of ['about +10', 'about -10', 'about +30', 'about -30']) expect(count(s)).toBeGreaterThan(5);
    expect(c.x.filter(isSpecialValue).length).toBeGreaterThan(10);
    expect(drawCase(3, 2, [8, 8, 3], false).x.filter(isSpecialValue)).toHaveLength(0);
  });

  it('place some elements a few steps from each declared kink, never on it', () => {
    const kinks = [-3, 6];
    const x = drawCase(5, 2, [8, 8, 3], true, kinks).x;
    for (const k of kinks) {
      const near = x.filter((v) => scaleOf(v, kinks) === `near kink ${k}`);
      expect(near.length).toBeGreaterThan(3);
      for (const v of near) {
        expect(v).not.toBe(k);
        expect(Math.abs(v - k)).toBeLessThanOrEqual(4 * kinkStep(k));
        expect(isNearKink(v, kinks)).toBe(true);
      }
    }
  });

  it('make a non-uniform upstream gradient with no zeros and a positive mean', () => {
    const g = Array.from(upstreamValues({ upstreamSeed: 11, upstream: 'random' }, [2, 8, 8, 3]));
    expect(g.every((v) => Math.abs(v) >= 0.5 && Math.abs(v) < 1.5)).toBe(true);
    expect(new Set(g).size).toBeGreaterThan(300);
    expect(g.filter((v) => v < 0).length).toBeGreaterThan(50);
    expect(g.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(new Set(upstreamValues({ upstreamSeed: 11, upstream: 'signs' }, [40]))).toEqual(new Set([1, -1]));
  });
});

describe('shrinking', () => {
  const c: GradientCase = {
    batch: 2,
    size: [3, 4, 2],
    x: Array.from({ length: 48 }, (_, i) => i + 0.3),
    values: 'drawn',
    upstreamSeed: 1,
    upstream: 'random',
  };

  it('crops observations and spatial axes keeping the leading elements', () => {
    expect(crop(c, 1, [1, 2, 2])).toEqual([0.3, 1.3, 2.3, 3.3]);
    expect(crop(c, 2, [1, 1, 2])).toEqual([0.3, 1.3, 24.3, 25.3]);
  });

  it('offers only smaller or simpler cases: the minimal one first, then one observation', () => {
    const all = [...shrinkCase(c)];
    expect(all[0]).toMatchObject({ batch: 1, size: [1, 1, 2], x: [0, 1], values: 'integers', upstream: 'signs' });
    expect(all[1]).toMatchObject({ batch: 1, size: [3, 4, 2] });
    for (const s of all) {
      const smaller = s.batch < c.batch || s.size.some((n, d) => n < c.size[d]!);
      const simpler = s.values !== c.values || s.upstream !== c.upstream;
      expect(smaller || simpler).toBe(true);
      expect(s.x).toHaveLength(s.batch * s.size.reduce((a, b) => a * b, 1));
      expect(s.size[2]).toBe(2); // channels are kept
    }
    const rounded = all.find((s) => s.values === 'integers')!;
    expect(rounded.x.every(Number.isInteger)).toBe(true);
    // A fully simplified case offers nothing more.
    expect([
      ...shrinkCase({ ...c, batch: 1, size: [1, 1, 2], x: [1, 2], values: 'integers', upstream: 'signs' }),
    ]).toEqual([]);
  });
});
