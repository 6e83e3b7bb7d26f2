/**
 * One probe: the derivative of L along one coordinate or one direction of a parameter, estimated
 * by finite differences, judged against the analytic value with a tolerance derived from the
 * estimate's own error, and kink-aware.
 *
 * At each step h the probe evaluates L at -2h, -h, +h, +2h (float32-rounded offsets, exact
 * weights for the points reached, see fornberg.ts) and compares the analytic value with:
 *  (a) the 5-point central estimate, error |D(h) - D(2h)| (two central differences; at least
 *      three times the error of D(h), far more than that of the 5-point value) plus its rounding
 *      noise. Passing here is the normal case and costs 4 forward passes.
 * Only if (a) fails, L at -3h and +3h are added and the one-sided 4-point estimates R- (points
 * 0, -h, -2h, -3h) and R+ are formed, each with error |R3 - R2| (its 4-point and 3-point values):
 *  (b), (c) the analytic value matches R- or R+: a kink within 3h on the other side only
 *      corrupts that side;
 *  (d) a kink at the point itself: R- and R+ disagree beyond their error estimates, and the
 *      analytic value lies between them (any subgradient passes), with tolerance.
 * A point that fails all four while a kink is seen is retried with the step divided by 8 (twice
 * at most), which moves kinks that are near but not at the point out of the stencil. A point that
 * fails without a kink in sight fails: a smooth function's estimates have small, honest errors.
 *
 * Tolerance of each test: SAFETY x (error estimate + rounding noise of the estimate) + the
 * float32 rounding of the analytic value (EPS32 x (8 + 2 sqrt(m)) x the sum of the m terms it
 * adds up) + for directions, the rounding of the perturbed float32 values.
 */
import { EPS32 } from './float32.ts';
import { firstDerivativeWeights } from './fornberg.ts';
import { lossDifferences, type LossBase } from './loss-difference.ts';

/** Multiplies every error estimate: a wrong 2% still sits far outside (measured: see the tests). */
export const SAFETY = 5;
/** Each refinement divides the step by this. */
export const REFINE_FACTOR = 8;
/** Refinements at most (so the smallest step is h / 64). */
export const MAX_REFINEMENTS = 2;

export interface ProbeTarget {
  /** Z, flattened, at the point moved by `t` along the probe, and the offset reached after float32 rounding. */
  evaluate(t: number): Promise<{ offset: number; z: Float32Array }>;
  /** The analytic derivative along the probe. */
  analytic: number;
  /**
   * Directions only: sum_j |analytic_j| * ulp_j / 2, the most that rounding the perturbed values to
   * float32 can move a difference quotient per unit of its |weights|. 0 for coordinates.
   */
  perturbationRounding: number;
  /** Nominal step h. */
  step: number;
}

/** Which estimate the analytic value was judged against. */
export type ProbeRule = 'central' | 'left' | 'right' | 'between' | 'none';

export interface ProbeResult {
  passed: boolean;
  analytic: number;
  /** The estimate the analytic value was compared with (for a kink: the nearest end of [R-, R+]; failed: the central one). */
  numeric: number;
  /** |analytic - numeric| allowed. */
  tolerance: number;
  /** The estimate's own error (truncation + rounding), without the safety factor. */
  errorEstimate: number;
  /** Step at the level that decided. */
  step: number;
  /** One-sided estimates disagreed beyond their error: a kink inside the stencil. */
  kink: boolean;
  rule: ProbeRule;
  /** 0 for the first step, 1 and 2 after refinements. */
  level: number;
  /** Forward passes spent. */
  evaluations: number;
  /** The numeric value with dLdZ restricted to the first observation (same estimate), for diagnoses. */
  numericFirstObservation: number;
}

interface Estimate {
  value: number;
  first: number;
  /** Rounding noise (one standard deviation) of the estimate. */
  noise: number;
  /** sum |w|. */
  weightSum: number;
}

function estimate(indices: number[], offsets: number[], dL: number[], dLFirst: number[], sigma: number): Estimate {
  // dL is relative to L(0); offset 0 has dL = 0 and still gets a weight in one-sided stencils.
  const pts = indices.map((k) => (k < 0 ? 0 : offsets[k]!));
  const w = firstDerivativeWeights(pts);
  let value = 0;
  let first = 0;
  let ss = 0;
  let sa = 0;
  indices.forEach((k, j) => {
    if (k >= 0) {
      value += w[j]! * dL[k]!;
      first += w[j]! * dLFirst[k]!;
    }
    ss += w[j]! * w[j]!;
    sa += Math.abs(w[j]!);
  });
  return { value, first, noise: sigma * Math.sqrt(ss), weightSum: sa };
}

const BASE = -1; // index standing for the unperturbed point in stencils

export async function runProbe(base: LossBase, target: ProbeTarget): Promise<ProbeResult> {
  const a = target.analytic;
  let evaluations = 0;
  let firstFailure: ProbeResult | null = null;
  for (let level = 0; level <= MAX_REFINEMENTS; level++) {
    const h = target.step / REFINE_FACTOR ** level;
    const offsets: number[] = [];
    const zs: Float32Array[] = [];
    const add = async (t: number) => {
      const r = await target.evaluate(t);
      evaluations++;
      offsets.push(r.offset);
      zs.push(r.z);
      return offsets.length - 1;
    };
    const m2 = await add(-2 * h);
    const m1 = await add(-h);
    const p1 = await add(h);
    const p2 = await add(2 * h);
    let diffs = lossDifferences(base, offsets, zs, [m2, m1, p1, p2]);
    const analyticRounding = EPS32 * (8 + 2 * Math.sqrt(diffs.changed)) * diffs.termMagnitude;
    const extra = (e: Estimate) => analyticRounding + target.perturbationRounding * e.weightSum;

    // (a) central
    const D = estimate([m2, m1, BASE, p1, p2], offsets, diffs.dL, diffs.dLFirst, diffs.sigma);
    const D1 = estimate([m1, p1], offsets, diffs.dL, diffs.dLFirst, diffs.sigma);
    const D2 = estimate([m2, p2], offsets, diffs.dL, diffs.dLFirst, diffs.sigma);
    const errD = Math.abs(D1.value - D2.value) + D.noise;
    const tolD = SAFETY * errD + extra(D);
    const central: ProbeResult = {
      passed: Math.abs(a - D.value) <= tolD,
      analytic: a,
      numeric: D.value,
      tolerance: tolD,
      errorEstimate: errD,
      step: h,
      kink: false,
      rule: 'central',
      level,
      evaluations,
      numericFirstObservation: D.first,
    };
    if (!Number.isFinite(a) || !Number.isFinite(D.value)) return { ...central, passed: false, rule: 'none' };
    if (central.passed) return central;
    firstFailure ??= central;

    // (b) (c) (d): one-sided estimates with two more points.
    const m3 = await add(-3 * h);
    const p3 = await add(3 * h);
    diffs = lossDifferences(base, offsets, zs, [m2, m1, p1, p2]);
    const L3 = estimate([BASE, m1, m2, m3], offsets, diffs.dL, diffs.dLFirst, diffs.sigma);
    const L2 = estimate([BASE, m1, m2], offsets, diffs.dL, diffs.dLFirst, diffs.sigma);
    const R3 = estimate([BASE, p1, p2, p3], offsets, diffs.dL, diffs.dLFirst, diffs.sigma);
    const R2 = estimate([BASE, p1, p2], offsets, diffs.dL, diffs.dLFirst, diffs.sigma);
    const errL = Math.abs(L3.value - L2.value) + L3.noise;
    const errR = Math.abs(R3.value - R2.value) + R3.noise;
    const tolL = SAFETY * errL + extra(L3);
    const tolR = SAFETY * errR + extra(R3);
    const tolBetween = SAFETY * (errL + errR) + Math.max(extra(L3), extra(R3));
    const kink = Math.abs(R3.value - L3.value) > tolBetween;
    const common = { analytic: a, step: h, kink, level, evaluations };
    if (Math.abs(a - L3.value) <= tolL) {
      return { ...common, passed: true, numeric: L3.value, tolerance: tolL, errorEstimate: errL, rule: 'left', numericFirstObservation: L3.first };
    }
    if (Math.abs(a - R3.value) <= tolR) {
      return { ...common, passed: true, numeric: R3.value, tolerance: tolR, errorEstimate: errR, rule: 'right', numericFirstObservation: R3.first };
    }
    if (kink) {
      const lo = Math.min(L3.value, R3.value);
      const hi = Math.max(L3.value, R3.value);
      if (a >= lo - tolBetween && a <= hi + tolBetween) {
        const nearest = a < lo ? lo : a > hi ? hi : a;
        const first = nearest === L3.value ? L3.first : nearest === R3.value ? R3.first : (L3.first + R3.first) / 2;
        return { ...common, passed: true, numeric: nearest, tolerance: tolBetween, errorEstimate: errL + errR, rule: 'between', numericFirstObservation: first };
      }
      if (level < MAX_REFINEMENTS) continue;
    }
    // Failed with no kink in sight, or still failing at the smallest step: report the first
    // (largest-step, least noisy) central estimate, marking a kink if this level saw one.
    return { ...firstFailure, kink, evaluations };
  }
  return { ...firstFailure!, evaluations };
}
