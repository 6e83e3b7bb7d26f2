/**
 * The probe on real float32 functions of one variable: Z = f(x) computed with Math.fround at
 * every operation (as a float32 backend would), dLdZ = 1.3, so L = 1.3 f(x).
 */
import { describe, expect, it } from 'vitest';
import { f32 } from './float32.ts';
import { makeLossBase } from './loss-difference.ts';
import { RESOLVE_ULPS, runProbe, type ProbeTarget } from './probe.ts';
import { coordinateStep } from './step.ts';

const G = 1.3;

function target(
  f: (x: number) => number,
  x0: number,
  analytic: number,
): { base: ReturnType<typeof makeLossBase>; target: ProbeTarget } {
  const x = f32(x0);
  const base = makeLossBase(Float32Array.of(G), Float32Array.of(f(x)), 1);
  return {
    base,
    target: {
      analytic,
      analyticNoise: 0,
      perturbationRounding: 0,
      step: coordinateStep(x, 1),
      floor: 'output',
      evaluate(t) {
        const moved = f32(x + t);
        return Promise.resolve({ offset: moved - x, z: Float32Array.of(f(moved)) });
      },
    },
  };
}

const softplus = (x: number) => f32(Math.log1p(f32(Math.exp(x))));
const sigmoid = (x: number) => f32(1 / f32(1 + f32(Math.exp(-x))));
const elu = (alpha: number) => (x: number) => (x > 0 ? x : f32(alpha * f32(f32(Math.exp(x)) - 1)));
const clip = (x: number) => Math.min(1, Math.max(-1, x));

async function judge(f: (x: number) => number, x: number, analytic: number) {
  const t = target(f, x, analytic);
  return runProbe(t.base, t.target);
}

describe('runProbe', () => {
  it('passes smooth functions with the right derivative and fails them 2% off', async () => {
    for (const x of [-2.7, -0.4, 0.013, 1.1, 2.9]) {
      const s = 1 / (1 + Math.exp(-x));
      expect((await judge(softplus, x, G * s)).passed).toBe(true);
      expect((await judge(softplus, x, G * s * 1.02)).passed).toBe(false);
      expect((await judge(sigmoid, x, G * s * (1 - s))).passed).toBe(true);
      expect((await judge(sigmoid, x, G * s * (1 - s) * 0.98)).passed).toBe(false);
    }
  });

  it('costs 4 forward passes when the central estimate decides', async () => {
    const r = await judge(softplus, 0.7, G / (1 + Math.exp(-0.7)));
    expect(r).toMatchObject({ passed: true, rule: 'central', evaluations: 4, kink: false, level: 0 });
  });

  it('accepts any subgradient at a kink sitting exactly on the point, and counts the kink', async () => {
    // ELU with alpha 0.3 at 0: left slope 0.3, right slope 1.
    for (const d of [0.3, 0.5, 1]) {
      const r = await judge(elu(0.3), 0, G * d);
      expect(r.passed).toBe(true);
      expect(r.kink).toBe(true);
    }
    expect((await judge(elu(0.3), 0, G * 1.1)).passed).toBe(false);
    expect((await judge(elu(0.3), 0, G * 0.2)).passed).toBe(false);
    expect((await judge(elu(0.3), 0, -G * 0.3)).passed).toBe(false);
    expect((await judge(elu(0.3), 0, G * 0.3)).rule).toBe('left');
    expect((await judge(elu(0.3), 0, G * 0.5)).rule).toBe('between');
    // |x| at 0: sign(0) = 0 lies between -1 and 1.
    expect((await judge(Math.abs, 0, 0)).passed).toBe(true);
  });

  it('passes points next to a kink (within the stencil) with the one-sided derivative, and fails a wrong one', async () => {
    const h = coordinateStep(1, 1);
    // k steps from the kink: within 2.5 steps one refinement (step / 8) clears the stencil and a
    // 2% error shows; closer, two refinements are needed and rounding noise / step widens the
    // tolerance to a few percent, so there a 10% error is what must show.
    for (const [k, wrong] of [
      [0.3, 1.02],
      [0.9, 1.02],
      [1.5, 1.02],
      [2.5, 1.02],
      [1 / 16, 1.1],
      [1.5 / 8, 1.1],
    ] as const) {
      const x = 1 - k * h; // inside the clip, the kink at 1 is k steps to the right
      expect((await judge(clip, x, G)).passed).toBe(true);
      expect((await judge(clip, x, G * wrong)).passed).toBe(false);
      const y = -1 + k * h; // the kink at -1 is k steps to the left
      expect((await judge(clip, y, G)).passed).toBe(true);
      expect((await judge(clip, y, G * wrong)).passed).toBe(false);
    }
  });

  it('grows the step where a small slope leaves the output unmoved, so 1e-5 passes and 1.05e-5 fails', async () => {
    // Z = 4 + s X: float32's spacing at 4 is 4.8e-7; the nominal step (about 0.004) moves Z by 4e-8.
    const offsetLine = (s: number) => (x: number) => f32(4 + f32(s * x));
    for (const x of [-2.3, -0.7, 0.05, 0.9, 1.7, 9.5, -31]) {
      const right = await judge(offsetLine(1e-5), x, G * 1e-5);
      expect(right.passed, `x ${x}: ${JSON.stringify(right)}`).toBe(true);
      expect(right.grown).toBeGreaterThan(0);
      expect(right.resolution).toBeLessThan(RESOLVE_ULPS);
      const wrong = await judge(offsetLine(1.05e-5), x, G * 1e-5);
      expect(wrong.passed, `x ${x}: ${JSON.stringify(wrong)}`).toBe(false);
      expect(wrong.numeric / G).toBeCloseTo(1.05e-5, 7);
    }
  });

  it('keeps the nominal verdict where growing the step reaches a kink or saturates', async () => {
    // tanh at 10 in float32 is 1: nothing moves at any step that stays on the plateau, and the
    // stencil grown past it is not smooth. The output's resolution carries the tolerance.
    const tanh = (x: number) => f32(Math.tanh(x));
    const t = (x: number) => 1 - Math.tanh(x) ** 2;
    expect((await judge(tanh, 10, G * t(10))).passed).toBe(true);
    expect((await judge(tanh, 10, 0)).passed).toBe(true);
    // A resolved probe never grows: 4 forward passes.
    expect((await judge(softplus, 0.7, G / (1 + Math.exp(-0.7)))).grown).toBe(0);
  });

  it('never accepts a non-finite analytic value', async () => {
    expect((await judge(softplus, 0.5, NaN)).passed).toBe(false);
    expect((await judge(softplus, 0.5, Infinity)).passed).toBe(false);
  });
});
