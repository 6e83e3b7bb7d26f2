/**
 * gradientsAreNumericallyCorrect: the derivatives of L = sum(forward(X) * dLdZ) with respect to
 * the input and to every learnable, as the layer's training path computes them, match float32
 * finite differences: per-element steps, error estimates, kink-aware one-sided differences (see
 * harness/numerics/probe.ts). X and dLdZ are drawn by fast-check from the seed; a failure is
 * shrunk to a small counterexample that replays with the same --seed. A layer with several inputs
 * or outputs: L = sum_k sum(Z_k * dLdZ_k) with an upstream gradient on every output, and each
 * input is a parameter of its own (`input 1`, `input 2`, ...).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckContext, CheckOutcome } from '../../harness/check.ts';
import {
  analyticGradients,
  compareGradients,
  PER_SCALE,
  tensorsOf,
  type Comparison,
  type ParameterComparison,
} from '../../harness/numerics/compare-gradients.ts';
import {
  caseShapes,
  describeCase,
  drawCase,
  formatValues,
  INPUT_RANGE,
  scaleOf,
  splitByShapes,
  type GradientCase,
} from '../../harness/numerics/gradient-case.ts';
import { declaredKinks } from '../../harness/declared-kinks.ts';
import { MOVE_MAX, MOVE_MIN, withMovedLearnables } from '../../harness/numerics/move-learnables.ts';
import { forwardRepeats, notRepeatableMessage, type Repeatability } from '../../harness/numerics/forward-repeats.ts';
import { MAX_REFINEMENTS, REFINE_FACTOR, SAFETY } from '../../harness/numerics/probe.ts';
import { ALL_UP_TO, COORDINATES, DIRECTIONS } from '../../harness/numerics/sampling.ts';
import {
  BATCH,
  caseArgs,
  failedParameters,
  isEmptyOutput,
  searchFailure,
} from '../../harness/numerics/search-failure.ts';
import { DIRECTION_STEP, STEP } from '../../harness/numerics/step.ts';
import { deriveSeed } from '../../harness/random.ts';
import { tf } from '../../harness/tf.ts';
import { diagnose, diagnosisKind, outputsOfDiagnosis } from './diagnose.ts';
import { outputLabel } from '../../harness/io-labels.ts';
import { inputWhere } from './gradient-inputs.ts';
import {
  excess,
  num,
  probeName,
  summarizeParameter,
  type CounterexampleEvidence,
  type GradientCheckEvidence,
  type LearnablesAt,
  type MovedLearnable,
  type MovedLearnablesEvidence,
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

/**
 * At the moved learnables the input is probed at fewer elements (the full sample ran at the
 * initial point; a derivative wrong only away from the learnables' start is wrong at most
 * elements): about half the CPU time of a second full comparison on the reference ELU 8x8x20.
 */
export const MOVED_INPUT_SAMPLE = { coordinates: 16, directions: 2 };

/** How the numeric derivatives are made, in one line (reported in the evidence), for a layer with one output. */
export const METHOD =
  `L = sum(Z * dLdZ), Z in float32, the sum in float64; per-element step ${STEP} x max(|value|, RMS of the parameter) (directions ${DIRECTION_STEP}); ` +
  `5-point central estimate, error |D(h) - D(2h)| + rounding noise; where an output responds non-smoothly (a kink), one-sided 4-point estimates ` +
  `(a subgradient between them passes at a kink on the point) and steps / ${REFINE_FACTOR} up to ${MAX_REFINEMENTS} times; ` +
  `tolerance ${SAFETY} x (error + noise) + float32 rounding of the analytic value; ` +
  `input elements drawn at magnitudes about 1, 10 and 30 (both signs) and a few steps from declared kinks, at least ${PER_SCALE} probed of each; ` +
  `at the initial learnables and again (the input at ${MOVED_INPUT_SAMPLE.coordinates} elements and ${MOVED_INPUT_SAMPLE.directions} directions) with every learnable moved (each element by ${MOVE_MIN * 100} to ${MOVE_MAX * 100}% of its magnitude; constants such as zeros and ones to distinct values at least ${MOVE_MIN} away from 0 and 1); ` +
  `probes: every element of parameters up to ${ALL_UP_TO} elements, else the first, the last and ${COORDINATES.input} (input) or ${COORDINATES.learnable} (learnable) random elements, plus ${DIRECTIONS} random directions; batch ${BATCH}`;

/**
 * METHOD, for a layer with `inputs` inputs and `outputs` outputs: several outputs, L sums over them,
 * each with its own dLdZ; several inputs, each probed on its own, the first observation at unit scale.
 */
export function methodFor(inputs: number, outputs: number): string {
  const sum =
    outputs === 1
      ? METHOD
      : METHOD.replace('L = sum(Z * dLdZ)', `L = sum over the ${outputs} outputs k of sum(Z_k * dLdZ_k)`);
  return inputs === 1
    ? sum
    : `${sum}; ${inputs} inputs, each a parameter of its own, the first observation of every input drawn at unit scale only (in [-${INPUT_RANGE}, ${INPUT_RANGE}])`;
}

async function diagnoses(
  ctx: CheckContext,
  c: GradientCase,
  comparison: Comparison,
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const failed = failedParameters(comparison);
  if (failed.length === 0) return out;
  const Xs = tensorsOf(caseArgs(c).xs, caseShapes(c));
  const { outputShapes } = comparison;
  const m = outputShapes.length;
  const g = splitByShapes(comparison.g, outputShapes);
  /** The analytic derivatives for dLdZ on output k times factor(k); null if the layer throws. */
  const analyticFor = async (factor: (k: number) => number) => {
    const dLdZs = tensorsOf(
      g.map((gk, k) => gk.map((v) => factor(k) * v)),
      outputShapes,
    );
    try {
      return await analyticGradients(ctx.subject, Xs, dLdZs);
    } catch {
      return null;
    } finally {
      tf.dispose(dLdZs);
    }
  };
  let doubled: Record<string, Float32Array> | null;
  const byOutput: { label: string; values: Record<string, Float32Array> | null }[] = [];
  try {
    doubled = await analyticFor(() => 2);
    for (let k = 0; m > 1 && k < m; k++)
      byOutput.push({ label: outputLabel(k, m), values: await analyticFor((j) => (j === k ? 1 : 0)) });
  } finally {
    tf.dispose(Xs);
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
        analyticByOutput:
          byOutput.length > 0 && byOutput.every((o) => o.values?.[p.name])
            ? byOutput.map((o) => ({ label: o.label, values: o.values![p.name]! }))
            : null,
      }),
    );
  }
  return out;
}

async function repeatsOnDrawnInput(ctx: CheckContext, caseSeed: number): Promise<Repeatability> {
  const c = drawCase(caseSeed, BATCH, ctx.inputSizes, true, declaredKinks(ctx.subject.layer).kinks);
  const Xs = tensorsOf(caseArgs(c).xs, caseShapes(c));
  try {
    return await forwardRepeats(ctx.subject, Xs);
  } finally {
    tf.dispose(Xs);
  }
}

function worstProbe(p: ParameterComparison) {
  return p.points.reduce((w, q) => (excess(q) > excess(w) ? q : w));
}

/** Elements of a moved learnable shown in messages. */
const MOVED_SHOWN = 6;

function parameterLine(e: ParameterGradientEvidence): string {
  const probes = `${e.coordinates} elements + ${e.directions} directions`;
  const name = e.learnablesAt === 'moved' ? `${e.parameter} (learnables moved)` : e.parameter;
  if (e.passed)
    return `${name}: passed (${probes}, ${e.kinks} kinks, max abs error ${num(e.maxAbsError)}, max rel error ${num(e.maxRelError)})`;
  const w = e.worst!;
  return (
    `${name}: FAILED at ${e.failures} of ${e.coordinates + e.directions} probes (${e.kinks} kinks); worst ${probeName(e.parameter, e.shape, w.index, w.direction)}: ` +
    `analytic ${num(w.analytic)}, numeric ${num(w.numeric)} +/- ${num(w.tolerance)} (step ${num(w.step)}, error estimate ${num(w.errorEstimate)})` +
    (e.diagnosis ? `; ${e.diagnosis}` : '')
  );
}

/** One point of the learnables: the drawn case compared there, shrunk when it fails. */
interface PointResult {
  at: LearnablesAt;
  c: GradientCase;
  comparison: Comparison;
  parameters: ParameterGradientEvidence[];
  counterexample: CounterexampleEvidence | null;
}

async function checkAt(ctx: CheckContext, at: LearnablesAt, caseSeed: number): Promise<PointResult> {
  const kinks = declaredKinks(ctx.subject.layer).kinks;
  const search = await searchFailure(
    ctx.subject,
    ctx.inputSizes,
    ctx.seed,
    caseSeed,
    ctx.options.exhaustive,
    kinks,
    at === 'moved' ? MOVED_INPUT_SAMPLE : undefined,
  );
  const { c, comparison } = search.drawn;
  const diag = await diagnoses(ctx, c, comparison);
  const inputScaleOf = (input: number) => (i: number) => scaleOf(c.xs[input]![i]!, kinks);
  const parameters = comparison.parameters.map((p) =>
    summarizeParameter(p, diag.get(p.name) ?? null, at, p.inputIndex === null ? null : inputScaleOf(p.inputIndex)),
  );
  let counterexample: CounterexampleEvidence | null = null;
  const shrunk = search.counterexample && search.counterexample !== search.drawn ? search.counterexample : null;
  const confirmed = shrunk && (await sameFailure(ctx, shrunk.c, comparison, diag, kinks));
  if (shrunk && confirmed) {
    const failed = confirmed.parameter;
    const w = worstProbe(failed);
    const inputShapes = caseShapes(shrunk.c);
    counterexample = {
      learnablesAt: at,
      shrinks: search.shrinks,
      inputShape: inputShapes[0]!,
      ...(ctx.subject.isMultiIO ? { inputShapes } : {}),
      description: describeCase(shrunk.c, confirmed.comparison.outputShapes),
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
  return { at, c, comparison, parameters, counterexample };
}

/**
 * The shrunk case, compared again with the full sample of probes: it stands as the counterexample
 * only if it fails for a parameter that failed on the drawn case, with the same diagnosis (the same
 * kind: sign flipped, a factor of 4, ...), and its output is not empty. Otherwise (null) the drawn
 * case is shown: a smaller case failing for another reason would mislead.
 */
async function sameFailure(
  ctx: CheckContext,
  c: GradientCase,
  drawn: Comparison,
  drawnDiagnoses: Map<string, string | null>,
  kinks: readonly number[],
): Promise<{ comparison: Comparison; parameter: ParameterComparison } | null> {
  const failedBefore = failedParameters(drawn).map((p) => p.name);
  let comparison: Comparison;
  try {
    comparison = await compareGradients({
      subject: ctx.subject,
      ...caseArgs(c),
      seed: ctx.seed,
      kinks,
      exhaustive: false,
      only: failedBefore,
    });
  } catch {
    return null;
  }
  if (isEmptyOutput(comparison.outputShapes)) return null;
  const diag = await diagnoses(ctx, c, comparison);
  const parameter = failedParameters(comparison).find(
    (p) => diagnosisKind(diag.get(p.name) ?? null) === diagnosisKind(drawnDiagnoses.get(p.name) ?? null),
  );
  return parameter ? { comparison, parameter } : null;
}

/** `alpha = [0.31, 0.77, ...] (initially [0.25, 0.61, ...])`, for each moved learnable. */
function movedLine(m: MovedLearnable[]): string {
  return m.map((l) => `${l.parameter} = ${l.moved} (initially ${l.initial})`).join('; ');
}

export const gradientsAreNumericallyCorrect: Check = {
  ...catalogEntry('gradientsAreNumericallyCorrect'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const caseSeed = deriveSeed(ctx.seed, 'gradientsAreNumericallyCorrect') | 0;
    const repeat = await repeatsOnDrawnInput(ctx, caseSeed);
    if (!repeat.repeats) return { status: 'skipped', message: notRepeatableMessage(repeat) };
    const initial = await checkAt(ctx, 'initial', caseSeed);
    const points = [initial];
    let movedLearnables: MovedLearnablesEvidence | null = null;
    if (initial.parameters.every((p) => p.passed) && ctx.subject.learnableNames().length > 0) {
      const moved = await checkAtMovedLearnables(ctx);
      points.push(moved.result);
      movedLearnables = moved.evidence;
    }
    const parameters = points.flatMap((p) => p.parameters);
    const deciding = points.find((p) => p.parameters.some((q) => !q.passed)) ?? initial;
    const { c, comparison, counterexample } = deciding;
    const kinks = parameters.reduce((s, p) => s + p.kinks, 0);
    const probes = parameters.reduce((s, p) => s + p.coordinates + p.directions, 0);
    const forwardPasses = points.reduce((s, p) => s + p.comparison.forwardPasses, 0);
    const inputShapes = caseShapes(c);
    const evidence: GradientCheckEvidence = {
      kind: 'gradientCheck',
      method: methodFor(c.xs.length, comparison.outputShapes.length),
      batch: c.batch,
      inputShape: inputShapes[0]!,
      outputShape: comparison.outputShapes[0]!,
      ...(ctx.subject.isMultiIO ? { inputShapes, outputShapes: comparison.outputShapes } : {}),
      exhaustive: ctx.options.exhaustive,
      forwardPasses,
      kinks,
      caseSeed: deciding.at === 'initial' ? caseSeed : movedLearnables!.caseSeed,
      parameters,
      counterexample,
      movedLearnables,
    };
    const lines = parameters.map(parameterLine);
    if (movedLearnables) lines.push(`learnables moved to: ${movedLine(movedLearnables.learnables)}`);
    if (deciding.parameters.every((p) => p.passed)) {
      const names = initial.parameters.map((p) => p.parameter).join(', ');
      const where = movedLearnables ? ' at the initial and at moved learnables' : '';
      return {
        status: 'passed',
        message: `derivatives of ${names} match finite differences${where} at ${probes} probes (${kinks} kink${kinks === 1 ? '' : 's'}, ${forwardPasses} forward passes)`,
        details: lines,
        evidence,
      };
    }
    return failure(ctx, deciding, caseSeed, movedLearnables, lines, evidence);
  },
};

/** The gradients again with every learnable moved (seeded from --seed), on a case of their own. */
async function checkAtMovedLearnables(
  ctx: CheckContext,
): Promise<{ result: PointResult; evidence: MovedLearnablesEvidence }> {
  const moveSeed = deriveSeed(ctx.seed, 'movedLearnables');
  const movedCaseSeed = deriveSeed(ctx.seed, 'gradientsAreNumericallyCorrect:moved') | 0;
  const moved = await withMovedLearnables(ctx.subject, moveSeed, async (values) => ({
    values,
    result: await checkAt(ctx, 'moved', movedCaseSeed),
  }));
  return {
    result: moved.result,
    evidence: {
      seed: moveSeed,
      caseSeed: movedCaseSeed,
      learnables: moved.values.map((v) => ({
        parameter: v.name,
        initial: formatValues(v.initial, MOVED_SHOWN),
        moved: formatValues(v.moved, MOVED_SHOWN),
      })),
      passed: moved.result.parameters.every((p) => p.passed),
      forwardPasses: moved.result.comparison.forwardPasses,
    },
  };
}

/** The failure: the worst probe of the worst parameter, the counterexample (or the case) and how to replay it. */
function failure(
  ctx: CheckContext,
  deciding: PointResult,
  caseSeed: number,
  movedLearnables: MovedLearnablesEvidence | null,
  lines: string[],
  evidence: GradientCheckEvidence,
): CheckOutcome {
  const { c, comparison, counterexample } = deciding;
  const failedParams = deciding.parameters.filter((p) => !p.passed);
  const first = failedParams.reduce((a, b) => (worstExcess(b) > worstExcess(a) ? b : a));
  const w = first.worst!;
  const where = probeName(first.parameter, first.shape, w.index, w.direction);
  const summary = failedParams
    .map(
      (p) =>
        `${p.parameter} (${p.failures}/${p.coordinates + p.directions} probes${failingScales(p)}${p.diagnosis ? `; ${p.diagnosis}` : ''})`,
    )
    .join(', ');
  const atMoved =
    deciding.at === 'moved'
      ? ` with the learnables moved from their initial values (${movedLine(movedLearnables!.learnables)})`
      : '';
  const message = `wrong derivative${failedParams.length > 1 ? 's' : ''} for ${summary}: at ${where}${atMoved} expected ${num(w.numeric)} +/- ${num(w.tolerance)} (finite differences), got ${num(w.analytic)}`;
  if (counterexample) {
    const cx = counterexample;
    lines.push(
      `counterexample after ${cx.shrinks} shrinks: ${cx.probe}: analytic ${num(cx.analytic)}, numeric ${num(cx.numeric)} +/- ${num(cx.tolerance)}`,
      `  ${cx.description}`,
    );
  } else {
    lines.push(`case: ${describeCase(c, comparison.outputShapes)}`);
  }
  lines.push(
    deciding.at === 'initial'
      ? `the case is drawn by fast-check (seed ${caseSeed}) from --seed ${ctx.seed}: the same --seed replays it and its shrinking`
      : `the moves (seed ${movedLearnables!.seed}) and the case (fast-check seed ${movedLearnables!.caseSeed}) are drawn from --seed ${ctx.seed}: the same --seed replays them and the shrinking`,
  );
  return {
    status: 'failed',
    message,
    details: lines,
    where: {
      parameter: first.parameter,
      ...(w.index !== null ? { index: w.index, position: w.position! } : {}),
      ...inputWhere(ctx, first.parameter),
      ...(outputsOfDiagnosis(first.diagnosis).length === 1 ? { output: outputsOfDiagnosis(first.diagnosis)[0]! } : {}),
    },
    evidence,
  };
}

/** `; failing at inputs about +10 (3 of 6 elements), about +30 (2 of 5)`, or '' when no element probe failed. */
function failingScales(p: ParameterGradientEvidence): string {
  const failing = p.scales.filter((s) => s.failures > 0);
  if (failing.length === 0) return '';
  const parts = failing.map((s, i) => `${s.scale} (${s.failures} of ${s.probes}${i === 0 ? ' elements' : ''})`);
  return `; failing at inputs ${parts.join(', ')}`;
}

/** How far the parameter's worst probe is outside its tolerance. */
function worstExcess(p: ParameterGradientEvidence): number {
  const w = p.worst;
  if (!w) return 0;
  const e = Math.abs(w.analytic - w.numeric);
  return w.tolerance > 0 ? e / w.tolerance : Infinity;
}
