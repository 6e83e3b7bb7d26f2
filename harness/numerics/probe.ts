/**
 * One probe: the derivative of L along one coordinate or one direction of a parameter, estimated
 * by finite differences, judged against the analytic value with a tolerance derived from the
 * estimate's own error, and kink-aware.
 *
 * At each step h the probe evaluates L at -2h, -h, +h, +2h (float32-rounded offsets, exact
 * weights for the points reached, see fornberg.ts):
 *  (a) the 5-point central estimate, error |D(h) - D(2h)| (two central differences; at least
 *      three times the error of D(h), far more than that of the 5-point value) plus its rounding
 *      noise. When no output element responds non-smoothly over these points (fourth
 *      differences, see loss-difference.ts), this estimate decides, pass or fail: the normal
 *      case, 4 forward passes.
 * A kink within the central stencil: L at -3h and +3h is added and the one-sided 4-point
 * estimates R- (points 0, -h, -2h, -3h) and R+ are formed, each with error |R3 - R2| (its 4-point
 * and 3-point values) plus noise, each usable only when its own side is smooth (third
 * differences; a kink exactly at the point leaves both sides smooth):
 *  (b), (c) the analytic value matches R- or R+;
 *  (d) a kink at the point itself: R- and R+ disagree beyond their error estimates and the
 *      analytic value lies between them (any subgradient passes), with tolerance; believed only
 *      when it holds at two steps in a row (a third difference misses a kink exactly 1.5 steps
 *      away; a kink that is merely near leaves the stencil after one refinement).
 * Otherwise the step is divided by 8 (MAX_REFINEMENTS times at most), which moves kinks that are
 * near, but not at, the point out of the stencil. At the smallest step the estimates are used
 * with their error estimates as they are (kinks still inside, as along a direction through many
 * elements, inflate those estimates and so the tolerance); if none matches, the probe fails.
 *
 * Tolerance of each test: SAFETY x (error estimate + rounding noise of the estimate) + the
 * float32 rounding of the analytic value (EPS32 x (8 + 2 sqrt(m)) x the sum of the m terms it
 * adds up, and SAFETY x its rounding noise measured at jittered points, analytic-noise.ts) + for
 * directions, the rounding of the perturbed float32 values.
 */
import { EPS32, ulp32 } from './float32.ts';
import { firstDerivativeWeights } from './fornberg.ts';
import { lossDifferences, type LossBase, type LossDifferences, type NoiseFloor } from './loss-difference.ts';

/** Multiplies every error estimate. */
export const SAFETY = 5;
/** Each refinement divides the step by this. */
export const REFINE_FACTOR = 8;
/** Refinements at most (so the smallest step is h / 512). */
export const MAX_REFINEMENTS = 3;
/** Each growth multiplies the step by this (see growStep). */
export const GROW_FACTOR = 8;
/** Growths at most: the largest step is 8^5 = 32768 times the nominal one. */
export const MAX_GROWTHS = 5;
/**
 * A verdict needs the output to move by this many ulps over the stencil (the largest |Z_i(+2h) -
 * Z_i(-2h)| in ulps of max(|Z_i|, the output's floor)). At that resolution the rounding part of the
 * tolerance is about 16 x (a few roundings) / 4096, 2 to 3% of the slope: enough to tell 1e-5 from
 * 1.05e-5 (measured by the probe tests).
 */
export const RESOLVE_ULPS = 4096;

export interface ProbeTarget {
  /** Z, flattened, at the point moved by `t` along the probe, and the offset reached after float32 rounding. */
  evaluate(t: number): Promise<{ offset: number; z: Float32Array }>;
  /** The analytic derivative along the probe. */
  analytic: number;
  /**
   * Its float32 rounding noise, one standard deviation, measured at jittered points
   * (analytic-noise.ts); SAFETY times it joins the tolerance.
   */
  analyticNoise: number;
  /**
   * Directions only: sum_j |analytic_j| * ulp_j / 2, the most that rounding the perturbed values to
   * float32 can move a difference quotient per unit of its |weights|. 0 for coordinates.
   */
  perturbationRounding: number;
  /** Directions: the same for a grown step h (perturbationRounding holds for the nominal step and smaller ones). */
  perturbationRoundingAt?: (step: number) => number;
  /** Nominal step h. */
  step: number;
  /** Floor of the rounding model: `output` for the input, `changed` for a learnable (see NoiseFloor). */
  floor: NoiseFloor;
}

/** Which estimate the analytic value was judged against. */
export type ProbeRule = 'central' | 'left' | 'right' | 'between';

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
  /** A kink inside the stencil at the level that decided. */
  kink: boolean;
  rule: ProbeRule;
  /** 0 for the first step, 1, 2, ... after refinements. */
  level: number;
  /** The step was grown this many times (GROW_FACTOR each) to resolve a slope too small for the nominal step; 0 otherwise. */
  grown: number;
  /** How far the output moved over the nominal stencil, in ulps (see RESOLVE_ULPS). */
  resolution: number;
  /** Forward passes spent. */
  evaluations: number;
  /** The numeric value with dLdZ restricted to the first observation (same estimate), for diagnoses. */
  numericFirstObservation: number;
  /**
   * A layer with several outputs: the numeric value with dLdZ restricted to each output (same
   * estimate; they sum to `numeric`), for diagnoses; null for one output (and for a kink decided
   * between the one-sided estimates).
   */
  numericByOutput: number[] | null;
}

interface Estimate {
  value: number;
  first: number;
  byOutput: number[] | null;
  /** Rounding noise (one standard deviation) of the estimate. */
  noise: number;
  /** sum |w|. */
  weightSum: number;
}

const BASE = -1; // index standing for the unperturbed point in stencils

function estimate(indices: number[], offsets: number[], diffs: LossDifferences): Estimate {
  const { dL, dLFirst, dLByOutput, sigma } = diffs;
  // dL is relative to L(0): the unperturbed point has dL = 0 and still gets a weight.
  const w = firstDerivativeWeights(indices.map((k) => (k === BASE ? 0 : offsets[k]!)));
  let value = 0;
  let first = 0;
  const byOutput = dLByOutput ? dLByOutput.map(() => 0) : null;
  let ss = 0;
  let sa = 0;
  indices.forEach((k, j) => {
    if (k !== BASE) {
      value += w[j]! * dL[k]!;
      first += w[j]! * dLFirst[k]!;
      if (byOutput) dLByOutput!.forEach((d, o) => (byOutput[o] = byOutput[o]! + w[j]! * d[k]!));
    }
    ss += w[j]! * w[j]!;
    sa += Math.abs(w[j]!);
  });
  return { value, first, byOutput, noise: sigma * Math.sqrt(ss), weightSum: sa };
}

/**
 * The largest slope of L that moving the parameter by 2h could leave invisible in float32 when no
 * output element moves: an element's slope is below ulp(Z_i) / 2h then (rounding to nearest hides
 * up to half an ulp each side), times |dLdZ_i|; the largest such term.
 */
export function unresolvedSlope(base: LossBase, h: number): number {
  let worst = 0;
  for (let i = 0; i < base.z0.length; i++) {
    const t = Math.abs(base.g[i]!) * ulp32(base.z0[i]!);
    if (t > worst) worst = t;
  }
  return worst / (2 * h);
}

/**
 * The probe. At the nominal step first (refining it near kinks). When the output did not move by
 * RESOLVE_ULPS over that stencil, the finite difference is below the output's float32 resolution
 * (Z = 4 + 1e-5 X: a step of 0.004 moves Z by 4e-8, a tenth of an ulp of 4), and neither a pass nor a
 * fail at that step is evidence: the step grows (growStep) until the output resolves the slope, and
 * that step decides. Where growing cannot give a clean, resolved estimate (the stencil reaches a
 * kink or a non-finite value, or the output never moves), the nominal step's verdict stands, with
 * the output's resolution in its tolerance.
 */
export async function runProbe(base: LossBase, target: ProbeTarget): Promise<ProbeResult> {
  const first = await refineProbe(base, target);
  // Resolved; a kink near the point (refined, or decided one-sided: a grown stencil would cross it); or slope 0 where nothing moves.
  if (
    first.resolution >= RESOLVE_ULPS ||
    first.kink ||
    first.level > 0 ||
    (first.analytic === 0 && first.resolution === 0)
  )
    return first;
  const grown = await growStep(base, target);
  const evaluations = first.evaluations + grown.evaluations;
  return grown.result ? { ...grown.result, resolution: first.resolution, evaluations } : { ...first, evaluations };
}

/** Largest |Z_i(+2h) - Z_i(-2h)| in ulps of max(|Z_i|, its output's floor). */
export function resolutionOf(base: LossBase, zMinus: Float32Array, zPlus: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < zPlus.length; i++) {
    const d = Math.abs(zPlus[i]! - zMinus[i]!);
    if (d === 0) continue;
    const r = d / ulp32(Math.max(Math.abs(base.z0[i]!), base.zFloor[i]!));
    if (!(r <= worst)) worst = r;
  }
  return worst;
}

/**
 * The central estimate at steps GROW_FACTOR^k times the nominal one, k = 1..MAX_GROWTHS: the first
 * whose output moves by RESOLVE_ULPS decides, provided no output element responds non-smoothly over
 * it (no kink) and everything is finite. Null result: no such step (the nominal verdict stands).
 */
async function growStep(
  base: LossBase,
  target: ProbeTarget,
): Promise<{ result: ProbeResult | null; evaluations: number }> {
  const a = target.analytic;
  let evaluations = 0;
  for (let k = 1; k <= MAX_GROWTHS; k++) {
    const h = target.step * GROW_FACTOR ** k;
    const offsets: number[] = [];
    const zs: Float32Array[] = [];
    for (const t of [-2 * h, -h, h, 2 * h]) {
      const r = await target.evaluate(t);
      evaluations++;
      offsets.push(r.offset);
      zs.push(r.z);
    }
    if (zs.some((z) => z.some((v) => !Number.isFinite(v)))) break;
    const diffs = lossDifferences(base, offsets, zs, [0, 1, 2, 3], null, target.floor);
    if (diffs.kinked > 0) break;
    const resolution = resolutionOf(base, zs[0]!, zs[3]!);
    if (resolution < RESOLVE_ULPS) continue;
    const D = estimate([0, 1, BASE, 2, 3], offsets, diffs);
    const D1 = estimate([1, 2], offsets, diffs);
    const D2 = estimate([0, 3], offsets, diffs);
    const errD = Math.abs(D1.value - D2.value) + D.noise;
    const rounding = target.perturbationRoundingAt?.(h) ?? target.perturbationRounding;
    const analyticRounding = EPS32 * (8 + 2 * Math.sqrt(diffs.changed)) * diffs.termMagnitude;
    const tolerance = SAFETY * (errD + target.analyticNoise) + analyticRounding + rounding * D.weightSum;
    if (!Number.isFinite(D.value)) break;
    return {
      result: {
        passed: Math.abs(a - D.value) <= tolerance,
        analytic: a,
        numeric: D.value,
        tolerance,
        errorEstimate: errD,
        step: h,
        kink: false,
        rule: 'central',
        level: 0,
        grown: k,
        resolution,
        evaluations,
        numericFirstObservation: D.first,
        numericByOutput: D.byOutput,
      },
      evaluations,
    };
  }
  return { result: null, evaluations };
}

/** The probe at the nominal step, refined near kinks (see the file's comment). */
async function refineProbe(base: LossBase, target: ProbeTarget): Promise<ProbeResult> {
  const count = { evaluations: 0 };
  let failure: ProbeResult | null = null;
  let betweenBefore = false;
  let resolution = 0;
  for (let level = 0; level <= MAX_REFINEMENTS; level++) {
    const lastLevel = level === MAX_REFINEMENTS;
    const h = target.step / REFINE_FACTOR ** level;
    const stencil = new Stencil(target, count);
    const c = await centralAt(base, target, stencil, h);
    if (level === 0) resolution = c.resolution;
    const central: ProbeResult = { ...c.result, level, resolution, evaluations: count.evaluations };
    if (!Number.isFinite(target.analytic) || !Number.isFinite(central.numeric)) return { ...central, passed: false };
    if (!central.kink || (lastLevel && central.passed)) return central;

    const sided = await oneSidedAt(base, target, stencil, c.central4, h, lastLevel, betweenBefore);
    if (sided.result) return { ...sided.result, level, resolution, evaluations: count.evaluations };
    betweenBefore = sided.between;
    // Not decided at this step: a kink spoils it. Try a smaller step; at the smallest, report the central estimate.
    failure = { ...central, kink: true, evaluations: count.evaluations };
  }
  return { ...failure!, evaluations: count.evaluations };
}

/** The points evaluated at one step size, by offset (evaluations counted across steps). */
class Stencil {
  readonly offsets: number[] = [];
  readonly zs: Float32Array[] = [];

  constructor(
    private readonly target: ProbeTarget,
    private readonly count: { evaluations: number },
  ) {}

  /** Evaluates the output with the parameter moved by t; the point's index. */
  async add(t: number): Promise<number> {
    const r = await this.target.evaluate(t);
    this.count.evaluations++;
    this.offsets.push(r.offset);
    this.zs.push(r.z);
    return this.offsets.length - 1;
  }
}

type LevelResult = Omit<ProbeResult, 'level' | 'resolution' | 'evaluations'>;

/** Rounding of the analytic side and of the perturbation, added to an estimate's tolerance. */
function extraTolerance(diffs: ReturnType<typeof lossDifferences>, target: ProbeTarget): (e: Estimate) => number {
  const analyticRounding = EPS32 * (8 + 2 * Math.sqrt(diffs.changed)) * diffs.termMagnitude;
  return (e) => analyticRounding + SAFETY * target.analyticNoise + target.perturbationRounding * e.weightSum;
}

/** (a) The central estimate at step h from -2h, -h, h, 2h; it decides alone when no kink lies within its stencil. */
async function centralAt(
  base: LossBase,
  target: ProbeTarget,
  stencil: Stencil,
  h: number,
): Promise<{ result: LevelResult; central4: readonly [number, number, number, number]; resolution: number }> {
  const a = target.analytic;
  const central4 = [
    await stencil.add(-2 * h),
    await stencil.add(-h),
    await stencil.add(h),
    await stencil.add(2 * h),
  ] as const;
  const [m2, m1, p1, p2] = central4;
  const { offsets, zs } = stencil;
  const diffs = lossDifferences(base, offsets, zs, central4, null, target.floor);
  const extra = extraTolerance(diffs, target);
  const D = estimate([m2, m1, BASE, p1, p2], offsets, diffs);
  const D1 = estimate([m1, p1], offsets, diffs);
  const D2 = estimate([m2, p2], offsets, diffs);
  const errD = Math.abs(D1.value - D2.value) + D.noise;
  // No output moved at all (tanh at 10, where float32 holds 1): the finite difference is 0 only
  // to the output's resolution, and a slope below it is no evidence of an error.
  const tolD = SAFETY * errD + extra(D) + (diffs.changed === 0 ? unresolvedSlope(base, h) : 0);
  return {
    result: {
      passed: Math.abs(a - D.value) <= tolD,
      analytic: a,
      numeric: D.value,
      tolerance: tolD,
      errorEstimate: errD,
      step: h,
      kink: diffs.kinked !== 0,
      rule: 'central',
      grown: 0,
      numericFirstObservation: D.first,
      numericByOutput: D.byOutput,
    },
    central4,
    resolution: resolutionOf(base, zs[m2]!, zs[p2]!),
  };
}

/**
 * A kink within 2h: one-sided estimates with two more points, -3h and 3h. (b) (c) a side that
 * matches (the closer one, relative to its tolerance, when both do); (d) between the sides, for
 * a kink at the point itself, believed only when it holds at two steps in a row (third
 * differences miss a kink sitting exactly 1.5 steps away; a kink merely near leaves the stencil
 * after one refinement). `between` says whether (d) held at this step.
 */
async function oneSidedAt(
  base: LossBase,
  target: ProbeTarget,
  stencil: Stencil,
  central4: readonly [number, number, number, number],
  h: number,
  lastLevel: boolean,
  betweenBefore: boolean,
): Promise<{ result: LevelResult | null; between: boolean }> {
  const a = target.analytic;
  const [m2, m1, p1, p2] = central4;
  const outer = [await stencil.add(-3 * h), await stencil.add(3 * h)] as const;
  const [m3, p3] = outer;
  const { offsets, zs } = stencil;
  const diffs = lossDifferences(base, offsets, zs, central4, outer, target.floor);
  const extra = extraTolerance(diffs, target);
  const leftClean = diffs.kinkedLeft === 0 || lastLevel;
  const rightClean = diffs.kinkedRight === 0 || lastLevel;
  const L3 = estimate([BASE, m1, m2, m3], offsets, diffs);
  const L2 = estimate([BASE, m1, m2], offsets, diffs);
  const R3 = estimate([BASE, p1, p2, p3], offsets, diffs);
  const R2 = estimate([BASE, p1, p2], offsets, diffs);
  const errL = Math.abs(L3.value - L2.value) + L3.noise;
  const errR = Math.abs(R3.value - R2.value) + R3.noise;
  const tolL = SAFETY * errL + extra(L3);
  const tolR = SAFETY * errR + extra(R3);
  const tolBetween = SAFETY * (errL + errR) + Math.max(extra(L3), extra(R3));
  const common = { analytic: a, step: h, kink: true, grown: 0, passed: true };
  const left = leftClean && Math.abs(a - L3.value) <= tolL ? Math.abs(a - L3.value) / tolL : Infinity;
  const right = rightClean && Math.abs(a - R3.value) <= tolR ? Math.abs(a - R3.value) / tolR : Infinity;
  if (left < Infinity && left <= right) {
    const r = {
      numeric: L3.value,
      tolerance: tolL,
      errorEstimate: errL,
      numericFirstObservation: L3.first,
      numericByOutput: L3.byOutput,
    };
    return { result: { ...common, ...r, rule: 'left' }, between: false };
  }
  if (right < Infinity) {
    const r = {
      numeric: R3.value,
      tolerance: tolR,
      errorEstimate: errR,
      numericFirstObservation: R3.first,
      numericByOutput: R3.byOutput,
    };
    return { result: { ...common, ...r, rule: 'right' }, between: false };
  }
  if (!(Math.abs(R3.value - L3.value) > tolBetween && leftClean && rightClean)) return { result: null, between: false };
  const lo = Math.min(L3.value, R3.value);
  const hi = Math.max(L3.value, R3.value);
  const between = a >= lo - tolBetween && a <= hi + tolBetween;
  if (!between || !(betweenBefore || lastLevel)) return { result: null, between };
  const nearest = a < lo ? lo : a > hi ? hi : a;
  const first = nearest === L3.value ? L3.first : nearest === R3.value ? R3.first : (L3.first + R3.first) / 2;
  const r = {
    numeric: nearest,
    tolerance: tolBetween,
    errorEstimate: errL + errR,
    numericFirstObservation: first,
    numericByOutput: null,
  };
  return { result: { ...common, ...r, rule: 'between' }, between };
}
