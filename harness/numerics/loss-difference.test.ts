import { describe, expect, it } from 'vitest';
import { lossDifferences, makeLossBase } from './loss-difference.ts';

describe('the loss over several outputs', () => {
  // Two outputs of a batch of 2: output 1 has 2 elements per observation (around 100), output 2 has 1 (around 0.01).
  const z0 = Float32Array.of(100, -100, 120, -80, 0.01, -0.02);
  const g = Float32Array.of(1, 0.5, -1, 2, 1.5, -0.5);
  const base = makeLossBase(g, z0, 2, [4, 2]);

  it("takes each output's first observation and its own noise floor", () => {
    expect(Array.from(base.firstObservation)).toEqual([1, 1, 0, 0, 1, 0]);
    expect(Array.from(base.outputOf)).toEqual([0, 0, 0, 0, 1, 1]);
    const rms = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    expect(base.zFloor[0]).toBeCloseTo(0.25 * rms([100, -100, 120, -80]), 10);
    expect(base.zFloor[5]).toBeCloseTo(0.25 * rms([0.01, -0.02]), 8);
  });

  it('splits every difference of L by output, the parts summing to the whole', () => {
    const zs = [-2, -1, 1, 2].map((t) => z0.map((v, i) => v + t * (i + 1) * 1e-3));
    const d = lossDifferences(base, [-2, -1, 1, 2], zs, [0, 1, 2, 3]);
    for (let k = 0; k < 4; k++) {
      expect(d.dLByOutput![0]![k]! + d.dLByOutput![1]![k]!).toBeCloseTo(d.dL[k]!, 12);
      expect(d.dLByOutput![1]![k]!).not.toBe(0);
    }
    expect(makeLossBase(g, z0, 2).outputs).toBe(1);
    expect(lossDifferences(makeLossBase(g, z0, 2), [-2, -1, 1, 2], zs, [0, 1, 2, 3]).dLByOutput).toBeNull();
  });

  it('with one output: the first observation is the first half, one floor for all', () => {
    const one = makeLossBase(g, z0, 2);
    expect(Array.from(one.firstObservation)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(new Set(one.zFloor).size).toBe(1);
  });
});
