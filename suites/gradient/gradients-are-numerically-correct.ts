/**
 * gradientsAreNumericallyCorrect: the derivatives of L = sum(forward(X) * dLdZ) with respect to
 * the input and to every learnable, as the layer's training path computes them, match float32
 * finite differences: per-element steps, error estimates, kink-aware one-sided differences (see
 * harness/numerics/probe.ts). X and dLdZ are drawn by fast-check from the seed; a failure is
 * shrunk to a small counterexample that replays with the same --seed.
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckContext, CheckOutcome } from '../../harness/check.ts';
import {
  analyticGradients,
  type Comparison,
  type ParameterComparison,
} from '../../harness/numerics/compare-gradients.ts';
import { caseShape, describeCase, drawCase, type GradientCase } from '../../harness/numerics/gradient-case.ts';
import { forwardRepeats, notRepeatableMessage, type Repeatability } from '../../harness/numerics/forward-repeats.ts';
import { MAX_REFINEMENTS, REFINE_FACTOR, SAFETY } from '../../harness/numerics/probe.ts';
import { ALL_UP_TO, COORDINATES, DIRECTIONS } from '../../harness/numerics/sampling.ts';
import { BATCH, failedParameters, searchFailure } from '../../harness/numerics/search-failure.ts';
import { DIRECTION_STEP, STEP } from '../../harness/numerics/step.ts';
import { deriveSeed } from '../../harness/random.ts';
import { tf } from '../../harness/tf.ts';
import { diagnose } from './diagnose.ts';
import {
  excess,
  num,
  probeName,
  summarizeParameter,
  type CounterexampleEvidence,
  type GradientCheckEvidence,
  type ParameterGradientEvidence,
} from './gradient-evidence.ts';

export type {
  GradientCheckEvidence,
  ParameterGradientEvidence,
  CounterexampleEvidence,
  ScatterPair,
  WorstProbe,
} from './gradient-evidence.ts';
import { positionOf } from '../../harness/numerics/position.ts';

/** How the numeric derivatives are made, in one line (reported in the evidence). */
export const METHOD =
  `L = sum(Z * dLdZ), Z in float32, the sum in float64; per-element step ${STEP} x max(|value|, RMS of the parameter) (directions ${DIRECTION_STEP}); ` +
  `5-point central estimate, error |D(h) - D(2h)| + rounding noise; where an output responds non-smoothly (a kink), one-sided 4-point estimates ` +
  `(a subgradient between them passes at a kink on the point) and steps / ${REFINE_FACTOR} up to ${MAX_REFINEMENTS} times; ` +
  `tolerance ${SAFETY} x (error + noise) + float32 rounding of the analytic value; ` +
  `probes: every element of parameters up to ${ALL_UP_TO} elements, else the first, the last and ${COORDINATES.input} (input) or ${COORDINATES.learnable} (learnable) random elements, plus ${DIRECTIONS} random directions; batch ${BATCH}`;

async function diagnoses(
  ctx: CheckContext,
  c: GradientCase,
  comparison: Comparison,
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const failed = failedParameters(comparison);
  if (failed.length === 0) return out;
  let doubled: Record<string, Float32Array> | null = null;
  const X = tf.tensor(Float32Array.from(c.x), caseShape(c), 'float32');
  const dLdZ = tf.tensor(
    comparison.g.map((v) => 2 * v),
    comparison.outputShape,
    'float32',
  );
  try {
    doubled = await analyticGradients(ctx.subject, X, dLdZ);
  } catch {
    doubled = null;
  } finally {
    X.dispose();
    dLdZ.dispose();
  }
  for (const p of failed) {
    out.set(
      p.name,
      diagnose({
        parameter: p,
        all: comparison.parameters,
        batch: c.batch,
        analytic: comparison.analytic[p.name]!,
        analyticDoubled: doubled?.[p.name] ?? null,
      }),
    );
  }
  return out;
}

async function repeatsOnDrawnInput(ctx: CheckContext, caseSeed: number): Promise<Repeatability> {
  const c = drawCase(caseSeed, BATCH, ctx.inputSize, true);
  const X = tf.tensor(Float32Array.from(c.x), caseShape(c), 'float32');
  try {
    return await forwardRepeats(ctx.subject, X);
  } finally {
    X.dispose();
  }
}

function worstProbe(p: ParameterComparison) {
  return p.points.reduce((w, q) => (excess(q) > excess(w) ? q : w));
}

function parameterLine(e: ParameterGradientEvidence): string {
  const probes = `${e.coordinates} elements + ${e.directions} directions`;
  if (e.passed)
    return `${e.parameter}: passed (${probes}, ${e.kinks} kinks, max abs error ${num(e.maxAbsError)}, max rel error ${num(e.maxRelError)})`;
  const w = e.worst!;
  return (
    `${e.parameter}: FAILED at ${e.failures} of ${e.coordinates + e.directions} probes (${e.kinks} kinks); worst ${probeName(e.parameter, e.shape, w.index, w.direction)}: ` +
    `analytic ${num(w.analytic)}, numeric ${num(w.numeric)} +/- ${num(w.tolerance)} (step ${num(w.step)}, error estimate ${num(w.errorEstimate)})` +
    (e.diagnosis ? `; ${e.diagnosis}` : '')
  );
}

export const gradientsAreNumericallyCorrect: Check = {
  ...catalogEntry('gradientsAreNumericallyCorrect'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const caseSeed = deriveSeed(ctx.seed, 'gradientsAreNumericallyCorrect') | 0;
    const repeat = await repeatsOnDrawnInput(ctx, caseSeed);
    if (!repeat.repeats) return { status: 'skipped', message: notRepeatableMessage(repeat) };
    const search = await searchFailure(ctx.subject, ctx.inputSize, ctx.seed, caseSeed, ctx.options.exhaustive);
    const { c, comparison } = search.drawn;
    const diag = await diagnoses(ctx, c, comparison);
    const parameters = comparison.parameters.map((p) => summarizeParameter(p, diag.get(p.name) ?? null));
    const kinks = parameters.reduce((s, p) => s + p.kinks, 0);
    const points = parameters.reduce((s, p) => s + p.coordinates + p.directions, 0);
    let counterexample: CounterexampleEvidence | null = null;
    const shrunk = search.counterexample;
    if (shrunk && shrunk !== search.drawn) {
      const failed = failedParameters(shrunk.comparison)[0]!;
      const w = worstProbe(failed);
      counterexample = {
        shrinks: search.shrinks,
        inputShape: caseShape(shrunk.c),
        description: describeCase(shrunk.c, shrunk.comparison.outputShape),
        parameter: failed.name,
        probe: probeName(failed.name, failed.shape, w.index, w.direction),
        index: w.index,
        position: w.index === null ? null : positionOf(w.index, failed.shape),
        direction: w.direction,
        numeric: w.numeric,
        analytic: w.analytic,
        tolerance: w.tolerance,
      };
    }
    const evidence: GradientCheckEvidence = {
      kind: 'gradientCheck',
      method: METHOD,
      batch: c.batch,
      inputShape: caseShape(c),
      outputShape: comparison.outputShape,
      exhaustive: ctx.options.exhaustive,
      forwardPasses: comparison.forwardPasses,
      kinks,
      caseSeed,
      parameters,
      counterexample,
    };
    const lines = parameters.map(parameterLine);
    const failedParams = parameters.filter((p) => !p.passed);
    if (failedParams.length === 0) {
      const names = parameters.map((p) => p.parameter).join(', ');
      return {
        status: 'passed',
        message: `derivatives of ${names} match finite differences at ${points} probes (${kinks} kinks, ${comparison.forwardPasses} forward passes)`,
        details: lines,
        evidence,
      };
    }
    const first = failedParams.reduce((a, b) => (worstExcess(b) > worstExcess(a) ? b : a));
    const w = first.worst!;
    const where = probeName(first.parameter, first.shape, w.index, w.direction);
    const summary = failedParams
      .map(
        (p) =>
          `${p.parameter} (${p.failures}/${p.coordinates + p.directions} probes${p.diagnosis ? `; ${p.diagnosis}` : ''})`,
      )
      .join(', ');
    const message = `wrong derivative${failedParams.length > 1 ? 's' : ''} for ${summary}: at ${where} expected ${num(w.numeric)} +/- ${num(w.tolerance)} (finite differences), got ${num(w.analytic)}`;
    if (counterexample) {
      const cx = counterexample;
      lines.push(
        `counterexample after ${cx.shrinks} shrinks: ${cx.probe}: analytic ${num(cx.analytic)}, numeric ${num(cx.numeric)} +/- ${num(cx.tolerance)}`,
        `  ${cx.description}`,
      );
    } else {
      lines.push(`case: ${describeCase(c, comparison.outputShape)}`);
    }
    lines.push(
      `the case is drawn by fast-check (seed ${caseSeed}) from --seed ${ctx.seed}: the same --seed replays it and its shrinking`,
    );
    return {
      status: 'failed',
      message,
      details: lines,
      where: { parameter: first.parameter, ...(w.index !== null ? { index: w.index, position: w.position! } : {}) },
      evidence,
    };
  },
};

/** How far the parameter's worst probe is outside its tolerance. */
function worstExcess(p: ParameterGradientEvidence): number {
  const w = p.worst;
  if (!w) return 0;
  const e = Math.abs(w.analytic - w.numeric);
  return w.tolerance > 0 ? e / w.tolerance : Infinity;
}
