/**
 * Three sources, one arbiter: where a hand-written backward and TensorFlow.js's automatic
 * differentiation of forward disagree, float32 finite differences (the same error-estimated,
 * kink-aware probes as gradientsAreNumericallyCorrect) decide at those elements, the worst
 * ARBITER_ELEMENTS of each parameter. Autodiff is an oracle to cross-check, not ground truth:
 * TensorFlow.js's own gradients can be wrong (4.22's cpu gradient of resizeNearestNeighbor for
 * every observation after the first).
 */
import type { CheckContext } from '../../harness/check.ts';
import { declaredKinks } from '../../harness/declared-kinks.ts';
import type { ArbiterEvidence, ArbiterParameter, ArbiterVerdict } from '../../harness/evidence/index.ts';
import { compareGradients } from '../../harness/numerics/compare-gradients.ts';
import { caseArgs } from '../../harness/numerics/search-failure.ts';
import { positionOf } from '../../harness/numerics/position.ts';
import { tf } from '../../harness/tf.ts';
import type { DerivativeTolerance } from './compare-derivatives.ts';
import type { DrawnInputs } from './gradient-inputs.ts';

/** Elements of each parameter that finite differences are asked about, at most. */
export const ARBITER_ELEMENTS = 12;

/** Flat indices where `a` and `b` disagree beyond `tol` (compare-derivatives' rule), the worst first. */
export function disagreeing(a: ArrayLike<number>, b: ArrayLike<number>, tol: DerivativeTolerance): number[] {
  const rms = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0) / (v.length || 1));
  const scale = Math.max(rms(a), rms(b));
  const out: { i: number; ratio: number }[] = [];
  for (let i = 0; i < a.length; i++) {
    const t = tol.rel * Math.max(Math.abs(a[i]!), Math.abs(b[i]!)) + tol.relToRms * scale;
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= t)) out.push({ i, ratio: Number.isFinite(d) ? (t > 0 ? d / t : Infinity) : Infinity });
  }
  return out.sort((x, y) => y.ratio - x.ratio).map((o) => o.i);
}

/** The kernels forward runs, by name, in order of first use. */
async function forwardOps(ctx: CheckContext, inputs: DrawnInputs): Promise<string[]> {
  const info = await tf.profile(() => tf.tidy(() => ctx.subject.forwardAll(inputs.Xs).Zs));
  tf.dispose(info.result);
  return info.kernelNames;
}

export async function arbitrate(
  ctx: CheckContext,
  inputs: DrawnInputs,
  shapes: Record<string, number[]>,
  auto: Record<string, Float32Array>,
  hand: Record<string, Float32Array>,
  tol: DerivativeTolerance,
): Promise<ArbiterEvidence> {
  const parameters: ArbiterParameter[] = [];
  for (const name of Object.keys(shapes)) {
    const all = disagreeing(auto[name]!, hand[name]!, tol);
    if (all.length === 0) continue;
    const asked = all.slice(0, ARBITER_ELEMENTS);
    const comparison = await compareGradients({
      subject: ctx.subject,
      ...caseArgs(inputs.case),
      upstream: () => inputs.g,
      seed: ctx.seed,
      exhaustive: false,
      only: [name],
      kinks: declaredKinks(ctx.subject.layer).kinks,
      focus: { prefer: { [name]: asked }, maxCoordinates: asked.length, directions: 0 },
    });
    const points = comparison.parameters[0]?.points ?? [];
    parameters.push({
      parameter: name,
      disagreeing: all.length,
      elements: points.map((p) => {
        const i = p.index!;
        const backwardOk = Math.abs(hand[name]![i]! - p.numeric) <= p.tolerance || p.passed;
        const autoOk = Math.abs(auto[name]![i]! - p.numeric) <= p.tolerance;
        const verdict: ArbiterVerdict =
          backwardOk && autoOk ? 'both' : backwardOk ? 'backward' : autoOk ? 'autodiff' : p.kink ? 'kink' : 'neither';
        return {
          index: i,
          position: positionOf(i, shapes[name]!),
          backward: hand[name]![i]!,
          autodiff: auto[name]![i]!,
          numeric: p.numeric,
          tolerance: p.tolerance,
          verdict,
        };
      }),
    });
  }
  return { backend: ctx.backend, forwardOps: await forwardOps(ctx, inputs), parameters };
}

/** True when finite differences side with the backward at every element they were asked about. */
export function sidesWithBackward(a: ArbiterEvidence): boolean {
  const elements = a.parameters.flatMap((p) => p.elements);
  return elements.length > 0 && elements.every((e) => e.verdict === 'backward');
}

/** `12 backward, 0 autodiff, 0 both, 0 neither, 0 kink` counts of one verdict over every parameter. */
export function countOf(a: ArbiterEvidence, v: ArbiterVerdict): number {
  return a.parameters.reduce((s, p) => s + p.elements.filter((e) => e.verdict === v).length, 0);
}
