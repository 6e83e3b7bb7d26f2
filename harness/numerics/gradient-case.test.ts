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
  splitByShapes,
  upstreamValues,
  type GradientCase,
} from './gradient-case.ts';

describe('drawn gradient cases', () => {
  it('are the same for the same seed and differ across seeds', () => {
    expect(drawCase(7, 2, [[4, 4, 3]], true)).toEqual(drawCase(7, 2, [[4, 4, 3]], true));
    expect(drawCase(7, 2, [[4, 4, 3]], true).xs).not.toEqual(drawCase(8, 2, [[4, 4, 3]], true).xs);
  });

  it('hold float32 values of magnitude about 1, 10 and 30, both signs, some exactly on likely kinks unless told not to', () => {
    const c = { x: drawCase(3, 2, [[8, 8, 3]], true).xs[0]! };
    expect(c.x).toHaveLength(2 * 8 * 8 * 3);
    for (const v of c.x) {
      expect(Math.abs(v)).toBeLessThanOrEqual(40);
      expect(f32(v)).toBe(v);
    }
    const count = (s: string) => c.x.filter((v) => scaleOf(v) === s).length;
    expect(count('about 1')).toBeGreaterThan(c.x.length / 2);
    for (const s of ['about +10', 'about -10', 'about +30', 'about -30']) expect(count(s)).toBeGreaterThan(5);
    expect(c.x.filter(isSpecialValue).length).toBeGreaterThan(10);
    expect(drawCase(3, 2, [[8, 8, 3]], false).xs[0]!.filter(isSpecialValue)).toHaveLength(0);
  });

  it('place some elements a few steps from each declared kink, never on it', () => {
    const kinks = [-3, 6];
    const x = drawCase(5, 2, [[8, 8, 3]], true, kinks).xs[0]!;
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
    const g = Array.from(upstreamValues({ upstreamSeed: 11, upstream: 'random' }, [[2, 8, 8, 3]]));
    expect(g.every((v) => Math.abs(v) >= 0.5 && Math.abs(v) < 1.5)).toBe(true);
    expect(new Set(g).size).toBeGreaterThan(300);
    expect(g.filter((v) => v < 0).length).toBeGreaterThan(50);
    expect(g.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(new Set(upstreamValues({ upstreamSeed: 11, upstream: 'signs' }, [[40]]))).toEqual(new Set([1, -1]));
  });

  it('draw every input of a layer with several, each its own values, the first observation at unit scale', () => {
    const two = drawCase(
      7,
      2,
      [
        [4, 3],
        [5, 2],
      ],
      true,
    );
    expect(two.xs.map((x) => x.length)).toEqual([24, 20]);
    expect(two.xs[1]).not.toEqual(two.xs[0]!.slice(0, 20));
    const big = drawCase(
      7,
      2,
      [
        [8, 8, 3],
        [8, 8, 3],
      ],
      true,
    );
    for (const x of big.xs) {
      expect(x.slice(0, 192).every((v) => Math.abs(v) <= 3)).toBe(true);
      expect(x.slice(192).filter((v) => Math.abs(v) > 4).length).toBeGreaterThan(20);
    }
  });

  it('draw dLdZ on every output, each with its own values; one output as before', () => {
    const shapes = [
      [2, 3],
      [2, 5],
    ];
    const g = upstreamValues({ upstreamSeed: 4, upstream: 'random' }, shapes);
    expect(g).toHaveLength(16);
    expect(Array.from(g.subarray(0, 6))).toEqual(
      Array.from(upstreamValues({ upstreamSeed: 4, upstream: 'random' }, [[2, 3]])),
    );
    const [a, b] = splitByShapes(g, shapes);
    expect([a!.length, b!.length]).toEqual([6, 10]);
    expect(Array.from(b!.subarray(0, 6))).not.toEqual(Array.from(a!));
  });
});

describe('shrinking', () => {
  const c: GradientCase = {
    batch: 2,
    sizes: [[3, 4, 2]],
    xs: [Array.from({ length: 48 }, (_, i) => i + 0.3)],
    values: 'drawn',
    upstreamSeed: 1,
    upstream: 'random',
  };

  it('crops observations and spatial axes keeping the leading elements', () => {
    expect(crop(c.xs[0]!, [2, 3, 4, 2], 1, [1, 2, 2])).toEqual([0.3, 1.3, 2.3, 3.3]);
    expect(crop(c.xs[0]!, [2, 3, 4, 2], 2, [1, 1, 2])).toEqual([0.3, 1.3, 24.3, 25.3]);
  });

  it('offers only smaller or simpler cases: the minimal one first, then one observation', () => {
    const all = [...shrinkCase(c)];
    expect(all[0]).toMatchObject({
      batch: 1,
      sizes: [[1, 1, 2]],
      xs: [[0, 1]],
      values: 'integers',
      upstream: 'signs',
    });
    expect(all[1]).toMatchObject({ batch: 1, sizes: [[3, 4, 2]] });
    // Each spatial axis cut to 1, then halved (where halving is not already 1).
    expect(all.slice(2, 6).map((s) => s.sizes[0])).toEqual([
      [1, 4, 2],
      [2, 4, 2],
      [3, 1, 2],
      [3, 2, 2],
    ]);
    for (const s of all) {
      const size = s.sizes[0]!;
      const smaller = s.batch < c.batch || size.some((n, d) => n < c.sizes[0]![d]!);
      const simpler = s.values !== c.values || s.upstream !== c.upstream;
      expect(smaller || simpler).toBe(true);
      expect(s.xs[0]).toHaveLength(s.batch * size.reduce((a, b) => a * b, 1));
      expect(size[2]).toBe(2); // channels are kept
    }
    const rounded = all.find((s) => s.values === 'integers')!;
    expect(rounded.xs[0]!.every(Number.isInteger)).toBe(true);
    // A fully simplified case offers nothing more.
    expect([
      ...shrinkCase({ ...c, batch: 1, sizes: [[1, 1, 2]], xs: [[1, 2]], values: 'integers', upstream: 'signs' }),
    ]).toEqual([]);
  });

  it('shrinks every input together: the batch of all, and a spatial axis of every input that has it', () => {
    const two: GradientCase = {
      ...c,
      sizes: [
        [3, 4, 2],
        [5, 2],
      ],
      xs: [c.xs[0]!, Array.from({ length: 20 }, (_, i) => -i - 0.3)],
    };
    const all = [...shrinkCase(two)];
    expect(all[0]).toMatchObject({
      batch: 1,
      sizes: [
        [1, 1, 2],
        [1, 2],
      ],
      xs: [
        [0, 1],
        [-0, -1],
      ],
    });
    expect(all[1]).toMatchObject({ batch: 1, xs: [c.xs[0]!.slice(0, 24), two.xs[1]!.slice(0, 10)] });
    // Axis 0 is spatial in both inputs, axis 1 only in the first (the second's channels).
    expect(
      all
        .slice(2)
        .filter((s) => s.values === 'drawn' && s.upstream === 'random' && s.batch === 2)
        .map((s) => s.sizes),
    ).toEqual([
      [
        [1, 4, 2],
        [1, 2],
      ],
      [
        [2, 4, 2],
        [3, 2],
      ],
      [
        [3, 1, 2],
        [5, 2],
      ],
      [
        [3, 2, 2],
        [5, 2],
      ],
    ]);
    for (const s of all)
      s.xs.forEach((x, i) => expect(x).toHaveLength(s.batch * s.sizes[i]!.reduce((a, b) => a * b, 1)));
  });
});
