/**
 * How `gradientsAreNumericallyCorrect`'s evidence (harness/evidence/gradient.ts) is summarised
 * from the probes. Plain JSON-able data.
 */
import type { LearnablesAt, ParameterGradientEvidence } from '../../harness/evidence/index.ts';
import type { ParameterComparison, ProbePoint } from '../../harness/numerics/compare-gradients.ts';

export type {
  CounterexampleEvidence,
  GradientCheckEvidence,
  LearnablesAt,
  MovedLearnable,
  MovedLearnablesEvidence,
  ParameterGradientEvidence,
  ScatterPair,
  WorstProbe,
} from '../../harness/evidence/index.ts';
import { positionOf } from '../../harness/numerics/position.ts';
import { formatNumber } from '../../harness/format-number.ts';

export const MAX_PAIRS = 200;

/** How far outside its tolerance a probe is (> 1: failed). */
export function excess(p: ProbePoint): number {
  const e = Math.abs(p.analytic - p.numeric);
  if (!Number.isFinite(e)) return Infinity;
  return p.tolerance > 0 ? e / p.tolerance : e > 0 ? Infinity : 0;
}

/** Probes and failures per input scale (`about 1`, `about +10`, ...), in scale order. */
function probesByScale(
  pts: readonly ProbePoint[],
  scaleOfIndex: (index: number) => string,
): { scale: string; probes: number; failures: number }[] {
  const scales = new Map<string, { scale: string; probes: number; failures: number }>();
  for (const p of pts) {
    if (p.index === null) continue;
    const scale = scaleOfIndex(p.index);
    const s = scales.get(scale) ?? { scale, probes: 0, failures: 0 };
    s.probes++;
    if (!p.passed) s.failures++;
    scales.set(scale, s);
  }
  return [...scales.values()].sort((a, b) => scaleOrder(a.scale) - scaleOrder(b.scale));
}

export function summarizeParameter(
  c: ParameterComparison,
  diagnosis: string | null,
  learnablesAt: LearnablesAt,
  /** For the input: the scale of the element at a flat index (see gradient-case.ts's scaleOf). */
  scaleOfIndex: ((index: number) => string) | null = null,
): ParameterGradientEvidence {
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
    learnablesAt,
    shape: c.shape,
    passed: failing.length === 0,
    coordinates: pts.filter((p) => p.index !== null).length,
    directions: pts.filter((p) => p.direction !== null).length,
    failures: failing.length,
    kinks: pts.filter((p) => p.kink).length,
    scales: scaleOfIndex ? probesByScale(pts, scaleOfIndex) : [],
    forwardPasses: c.forwardPasses,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    worst: worst && {
      index: worst.index,
      position: worst.index === null ? null : positionOf(worst.index, c.shape),
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
  if (index !== null) return `${parameter}[${shape.length > 1 ? positionOf(index, shape).join(',') : index}]`;
  return `${parameter} along random direction ${direction}`;
}

/** Numbers in the gradient suite's messages: 5 significant digits. */
export const num = (v: number): string => formatNumber(v, 5);

const SCALE_ORDER = ['about 1', 'about -10', 'about +10', 'about -30', 'about +30'];

function scaleOrder(s: string): number {
  const i = SCALE_ORDER.indexOf(s);
  return i >= 0 ? i : SCALE_ORDER.length;
}
