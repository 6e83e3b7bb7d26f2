/**
 * The evidence `gradientsAreNumericallyCorrect` reports (read by the JSON and HTML reports), and
 * how it is summarised from the probes. Plain JSON-able data.
 */
import type { ParameterComparison, ProbePoint } from '../../harness/numerics/compare-gradients.ts';
import type { ProbeRule } from '../../harness/numerics/probe.ts';

/** One (numeric, analytic) pair, for a scatter plot. */
export interface ScatterPair {
  numeric: number;
  analytic: number;
  passed: boolean;
  kink: boolean;
}

/** The probe furthest outside its tolerance (or, when all pass, the closest to it). */
export interface WorstProbe {
  /** Flat element index (coordinate probe) or null (direction probe). */
  index: number | null;
  /** Multi-dimensional index of that element. */
  position: number[] | null;
  /** Direction number (direction probe) or null. */
  direction: number | null;
  numeric: number;
  analytic: number;
  /** Finite-difference step at the level that decided. */
  step: number;
  /** The numeric value's own error estimate (truncation + rounding), before the safety factor. */
  errorEstimate: number;
  /** |analytic - numeric| allowed. */
  tolerance: number;
  /** Which estimate decided: central, left or right one-sided, or between them at a kink. */
  rule: ProbeRule;
  kink: boolean;
}

export interface ParameterGradientEvidence {
  /** `input` or the learnable's name. */
  parameter: string;
  shape: number[];
  passed: boolean;
  /** Elements probed one by one. */
  coordinates: number;
  /** Random directions probed (all elements at once). */
  directions: number;
  /** Probes outside their tolerance. */
  failures: number;
  /** Probes whose one-sided differences disagreed beyond their error estimates (a kink in the stencil). */
  kinks: number;
  forwardPasses: number;
  /** Largest |analytic - numeric| over the probes. */
  maxAbsError: number;
  /** Largest |analytic - numeric| / max(|analytic|, |numeric|, 1e-3 x the largest |numeric| of this parameter). */
  maxRelError: number;
  worst: WorstProbe | null;
  /** A one-line reading of the failure pattern, when recognisable. */
  diagnosis: string | null;
  /** Up to MAX_PAIRS (numeric, analytic) pairs, failing probes first. */
  pairs: ScatterPair[];
}

export interface CounterexampleEvidence {
  /** Shrinking steps that kept the failure. */
  shrinks: number;
  inputShape: number[];
  /** X and dLdZ, printed exactly (shortest decimals that read back as the float32 values). */
  description: string;
  parameter: string;
  /** The failing probe, named: `alpha[1]`, `input[0,0,0,2]`, `input along random direction 1`. */
  probe: string;
  index: number | null;
  position: number[] | null;
  direction: number | null;
  numeric: number;
  analytic: number;
  tolerance: number;
}

export interface GradientCheckEvidence {
  /** How the numeric derivatives were made, in one line. */
  method: string;
  batch: number;
  inputShape: number[];
  outputShape: number[];
  exhaustive: boolean;
  /** Forward passes for the finite differences (the drawn case, not counting shrinking). */
  forwardPasses: number;
  kinks: number;
  /** fast-check seed of the drawn case (derived from the run's seed). */
  caseSeed: number;
  parameters: ParameterGradientEvidence[];
  counterexample: CounterexampleEvidence | null;
}

export const MAX_PAIRS = 200;

/** Multi-dimensional index of a flat index into `shape` (row-major). */
export function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return out;
}

/** How far outside its tolerance a probe is (> 1: failed). */
export function excess(p: ProbePoint): number {
  const e = Math.abs(p.analytic - p.numeric);
  if (!Number.isFinite(e)) return Infinity;
  return p.tolerance > 0 ? e / p.tolerance : e > 0 ? Infinity : 0;
}

export function summarizeParameter(c: ParameterComparison, diagnosis: string | null): ParameterGradientEvidence {
  const pts = c.points;
  const scale = Math.max(0, ...pts.map((p) => (Number.isFinite(p.numeric) ? Math.abs(p.numeric) : 0)));
  let maxAbs = 0;
  let maxRel = 0;
  let worst: ProbePoint | null = null;
  for (const p of pts) {
    const e = Math.abs(p.analytic - p.numeric);
    const abs = Number.isFinite(e) ? e : Infinity;
    maxAbs = Math.max(maxAbs, abs);
    const denom = Math.max(Math.abs(p.analytic), Math.abs(p.numeric), 1e-3 * scale);
    maxRel = Math.max(maxRel, denom > 0 ? abs / denom : abs > 0 ? Infinity : 0);
    if (!worst || excess(p) > excess(worst)) worst = p;
  }
  const failing = pts.filter((p) => !p.passed);
  const ordered = [...failing, ...pts.filter((p) => p.passed)];
  return {
    parameter: c.name,
    shape: c.shape,
    passed: failing.length === 0,
    coordinates: pts.filter((p) => p.index !== null).length,
    directions: pts.filter((p) => p.direction !== null).length,
    failures: failing.length,
    kinks: pts.filter((p) => p.kink).length,
    forwardPasses: c.forwardPasses,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    worst: worst && {
      index: worst.index,
      position: worst.index === null ? null : unravel(worst.index, c.shape),
      direction: worst.direction,
      numeric: worst.numeric,
      analytic: worst.analytic,
      step: worst.step,
      errorEstimate: worst.errorEstimate,
      tolerance: worst.tolerance,
      rule: worst.rule,
      kink: worst.kink,
    },
    diagnosis,
    pairs: ordered
      .slice(0, MAX_PAIRS)
      .map((p) => ({ numeric: p.numeric, analytic: p.analytic, passed: p.passed, kink: p.kink })),
  };
}

/** `alpha[3]`, `input[1,0,2,5]`, `alpha along direction 2`. */
export function probeName(
  parameter: string,
  shape: readonly number[],
  index: number | null,
  direction: number | null,
): string {
  if (index !== null) return `${parameter}[${shape.length > 1 ? unravel(index, shape).join(',') : index}]`;
  return `${parameter} along random direction ${direction}`;
}

/** Numbers in messages: 5 significant digits. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  return Number(v.toPrecision(5)).toString();
}
