/**
 * One-line readings of a failed parameter's probes, when the pattern is recognisable:
 * upstream gradient not applied, two learnables' derivatives swapped, sign flipped, sum over
 * observations missing (first observation only, or a mean instead of a sum), off by a constant
 * factor, and for a layer with several outputs the output whose part of the derivative is wrong.
 * Each reading is tested on the numbers, never assumed.
 */
import type { ParameterComparison, ProbePoint } from '../../harness/numerics/compare-gradients.ts';
import { num } from './gradient-evidence.ts';

export interface DiagnosisInput {
  parameter: ParameterComparison;
  /** Every parameter compared on the same case (to recognise swaps). */
  all: readonly ParameterComparison[];
  batch: number;
  /** The analytic derivative of this parameter for dLdZ, and for 2 * dLdZ (null if not computed). */
  analytic: Float32Array;
  analyticDoubled: Float32Array | null;
  /**
   * Several outputs: the analytic derivative for dLdZ on one output alone (the others zero), per
   * output, labelled (`output 1`, ...); null for one output or when not computed.
   */
  analyticByOutput?: { label: string; values: Float32Array }[] | null;
}

function rms(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return v.length ? Math.sqrt(s / v.length) : 0;
}

/** Close within the probe's tolerance plus `rel` of the size of `b`. */
function close(a: number, b: number, p: ProbePoint, rel: number): boolean {
  return Math.abs(a - b) <= p.tolerance + rel * Math.abs(b);
}

export function diagnose(input: DiagnosisInput): string | null {
  const smooth = input.parameter.points.filter(
    (p) => !p.kink && Number.isFinite(p.numeric) && Number.isFinite(p.analytic),
  );
  if (smooth.every((p) => p.passed)) return null;
  return (
    upstreamIgnored(input) ??
    swappedWithAnother(input) ??
    wrongThroughOutput(input, smooth) ??
    signFlipped(smooth) ??
    firstObservationOnly(input, smooth) ??
    constantFactor(input, smooth)
  );
}

/** The derivative does not change when dLdZ is doubled. */
function upstreamIgnored(input: DiagnosisInput): string | null {
  const a = input.analytic;
  const d = input.analyticDoubled;
  if (!d) return null;
  const diff = Array.from(a, (v, i) => d[i]! - v);
  return rms(a) > 0 && rms(diff) <= 1e-3 * rms(a)
    ? 'upstream gradient not applied: the derivative does not change when dLdZ is doubled'
    : null;
}

/** Two parameters of the same shape whose derivatives are each other's numerical ones. */
function swappedWithAnother(input: DiagnosisInput): string | null {
  const P = input.parameter;
  for (const Q of input.all) {
    if (Q === P || Q.role !== P.role || Q.shape.join('x') !== P.shape.join('x') || Q.points.every((q) => q.passed))
      continue;
    const qByIndex = new Map(Q.points.filter((q) => q.index !== null).map((q) => [q.index!, q]));
    const pairs = P.points
      .filter((p) => p.index !== null && qByIndex.has(p.index))
      .map((p) => [p, qByIndex.get(p.index!)!] as const);
    const crossed =
      pairs.length > 0 &&
      pairs.every(([p, q]) => close(p.analytic, q.numeric, q, 1e-3) && close(q.analytic, p.numeric, p, 1e-3));
    if (crossed)
      return `derivatives of ${P.name} and ${Q.name} swapped: the derivative returned for ${P.name} matches the numerical derivative of ${Q.name}, and the other way round`;
  }
  return null;
}

/**
 * Several outputs: at every failing element probe, the part of the analytic derivative that comes
 * from some outputs' dLdZ (computed with the other outputs' dLdZ zero) matches finite differences
 * of those outputs alone, and the part from the others does not.
 */
function wrongThroughOutput(input: DiagnosisInput, smooth: ProbePoint[]): string | null {
  const parts = input.analyticByOutput;
  const failing = smooth.filter((p) => !p.passed && p.index !== null && p.numericByOutput);
  if (!parts || parts.length < 2 || failing.length === 0) return null;
  const agrees = parts.map((part, k) =>
    failing.every((p) => close(part.values[p.index!]!, p.numericByOutput![k]!, p, 1e-3)),
  );
  const wrong = parts.filter((_, k) => !agrees[k]).map((part) => part.label);
  const right = parts.filter((_, k) => agrees[k]).map((part) => part.label);
  if (wrong.length === 0 || right.length === 0) return null;
  const are = (l: string[]) => `${l.join(', ')} ${l.length === 1 ? 'agrees' : 'agree'}`;
  return `wrong through ${wrong.join(', ')}: the part of the derivative from dLdZ of ${wrong.join(', ')} differs from finite differences of ${wrong.length === 1 ? 'that output' : 'those outputs'} alone; the part from ${are(right)}`;
}

/** The outputs a diagnosis names as wrong (`wrong through output 2: ...`), or []. */
export function outputsOfDiagnosis(d: string | null): string[] {
  const m = d ? /^wrong through (.+?): /.exec(d) : null;
  return m ? m[1]!.split(', ') : [];
}

/** analytic = -numeric where it fails; judged on element probes (a direction mixes flipped and right elements). */
function signFlipped(smooth: ProbePoint[]): string | null {
  const elements = smooth.filter((p) => p.index !== null);
  const failingElements = elements.filter((p) => !p.passed);
  // A flipped element whose slope is within its tolerance of 0 (ELU's at -10) fails too, but says little: at least one must be clear.
  if (
    !failingElements.some((p) => Math.abs(p.numeric) > p.tolerance) ||
    !failingElements.every((p) => close(p.analytic, -p.numeric, p, 0.01))
  )
    return null;
  return failingElements.length === elements.length
    ? 'sign flipped: analytic = -numeric at every element probed'
    : `sign flipped at the ${failingElements.length} failing elements (analytic = -numeric there; the other ${elements.length - failingElements.length} agree)`;
}

/** The derivative is that of the first observation alone. */
function firstObservationOnly(input: DiagnosisInput, smooth: ProbePoint[]): string | null {
  const failing = smooth.filter((p) => !p.passed);
  const alone = failing.every(
    (p) =>
      close(p.analytic, p.numericFirstObservation, p, 1e-3) && !close(p.numeric, p.numericFirstObservation, p, 1e-3),
  );
  return input.batch > 1 && alone
    ? 'sum over observations missing: the derivative is that of the first observation alone'
    : null;
}

/** analytic = k x numeric at every probe (1 / batch: a mean instead of a sum). */
function constantFactor(input: DiagnosisInput, smooth: ProbePoint[]): string | null {
  const { batch } = input;
  const determined = smooth.filter((p) => Math.abs(p.numeric) > 4 * p.tolerance);
  if (determined.length < 2) return null;
  const ratios = determined.map((p) => p.analytic / p.numeric).sort((x, y) => x - y);
  const k = ratios[Math.floor(ratios.length / 2)]!;
  if (!Number.isFinite(k) || k === 0 || !smooth.every((p) => close(p.analytic, k * p.numeric, p, 2e-3))) return null;
  if (Math.abs(k * batch - 1) < 2e-3)
    return `sum over observations missing: analytic = numeric / ${batch} at every probe (a mean over the ${batch} observations instead of a sum?)`;
  return `off by a constant factor: analytic = ${num(k)} x numeric at every probe`;
}

/**
 * What a diagnosis says, without the counts and digits that differ from case to case: `sign`,
 * `upstream`, `swapped scale shift`, `first observation`, `mean 2`, `factor 4` (k to 2 significant
 * digits), or null. Two cases fail the same way when their kinds are equal.
 */
export function diagnosisKind(d: string | null): string | null {
  if (d === null) return null;
  if (d.startsWith('upstream gradient not applied')) return 'upstream';
  // Names may hold spaces (`input 2`).
  const swapped = /^derivatives of (.+?) and (.+?) swapped/.exec(d);
  if (swapped) return `swapped ${[swapped[1], swapped[2]].sort().join(' ')}`;
  if (d.startsWith('sign flipped')) return 'sign';
  const through = outputsOfDiagnosis(d);
  if (through.length) return `through ${through.join(' ')}`;
  if (d.includes('first observation alone')) return 'first observation';
  const mean = /analytic = numeric \/ (\d+)/.exec(d);
  if (mean) return `mean ${mean[1]}`;
  const factor = /analytic = (\S+) x numeric/.exec(d);
  if (factor) return `factor ${Number(Number(factor[1]).toPrecision(2))}`;
  return d;
}
