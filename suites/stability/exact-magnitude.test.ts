import { describe, expect, it } from 'vitest';
import { estimateMagnitudes, isHonestMagnitude } from './exact-magnitude.ts';

const f = Math.fround;
/** One element, float32 arithmetic: `fn` of the input v scaled by s. */
const scaled = (v: number, fn: (x: number) => number) => (s: number) => Promise.resolve([f(fn(f(v * s)))]);
const estimate = async (v: number, fn: (x: number) => number) => (await estimateMagnitudes(scaled(v, fn), [0])).get(0)!;

describe('estimateMagnitudes', () => {
  it('exp(100), x^2 at 1e30 and selu at 3.4e38 are past the float32 maximum: honest', async () => {
    const exp100 = await estimate(100, (x) => f(Math.exp(x)));
    expect(exp100 / Math.exp(100)).toBeGreaterThan(0.25);
    expect(exp100 / Math.exp(100)).toBeLessThan(2);
    expect(isHonestMagnitude(exp100)).toBe(true);
    expect(isHonestMagnitude(await estimate(1e30, (x) => f(x * x)))).toBe(true);
    const selu = await estimate(3.4e38, (x) => f(1.0507 * x));
    expect(selu / (1.0507 * 3.4e38)).toBeGreaterThan(0.9);
    expect(selu / (1.0507 * 3.4e38)).toBeLessThan(1.1);
    expect(isHonestMagnitude(selu)).toBe(true);
  });

  it('log(1 + exp(x)) and a naive log(cosh(x)) at 100 are about 100: dishonest', async () => {
    const softplus = await estimate(100, (x) => f(Math.log(f(1 + f(Math.exp(x))))));
    expect(softplus).toBeGreaterThan(90);
    expect(softplus).toBeLessThan(110);
    const logCosh = await estimate(100, (x) => f(Math.log(f(Math.cosh(x)))));
    expect(logCosh).toBeGreaterThan(90);
    expect(logCosh).toBeLessThan(110);
    expect(isHonestMagnitude(softplus) || isHonestMagnitude(logCosh)).toBe(false);
  });

  it('estimates every element of a large all-Infinity tensor (x + x at 3.4e38, 34,560 elements)', async () => {
    const n = 34_560;
    const targets = Array.from({ length: n }, (_, i) => i);
    const evaluate = (s: number) => Promise.resolve(new Float32Array(n).fill(f(2 * f(3.4e38 * s))));
    const estimates = await estimateMagnitudes(evaluate, targets);
    expect(estimates.size).toBe(n);
    for (const v of estimates.values()) expect(v / 6.8e38).toBeCloseTo(1, 1);
    expect([...estimates.values()].every(isHonestMagnitude)).toBe(true);
  });
});
