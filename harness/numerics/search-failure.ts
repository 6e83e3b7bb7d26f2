/**
 * Draws a case with fast-check from the seed, compares the layer's derivatives with finite
 * differences on it, and when some parameter fails, shrinks the case (see gradient-case.ts) to
 * a small one that still fails. Deterministic: the same seed gives the same case, verdict and
 * counterexample (the shrinking budget counts candidates and forward passes, not time).
 */
import { errorText } from '../error-text.ts';
import fc from 'fast-check';
import type { LayerUnderTest } from '../layer-under-test.ts';
import { compareGradients, type CompareArgs, type Comparison, type ParameterComparison } from './compare-gradients.ts';
import { caseShapes, GradientCaseArbitrary, upstreamValues, type GradientCase } from './gradient-case.ts';
import { withWeightsRestored } from './preserve-weights.ts';

/** Observations in the drawn case: more than one, so a missing sum over observations shows. */
export const BATCH = 2;
/** Shrinking candidates tried at most after a failure. */
export const MAX_SHRINK_CANDIDATES = 24;
/** While shrinking, elements probed per failing parameter (those that failed last first). */
export const SHRINK_COORDINATES = 12;
/** Shrinking stops once it has spent this many times the forward passes of the drawn case. */
export const SHRINK_PASS_BUDGET = 1;

export interface CaseComparison {
  c: GradientCase;
  comparison: Comparison;
}

export interface SearchResult {
  /** The drawn case and its full comparison. */
  drawn: CaseComparison;
  /** The smallest failing case found (the drawn one when shrinking found nothing smaller), or null when all passed. */
  counterexample: CaseComparison | null;
  shrinks: number;
  /** fast-check's seed. */
  caseSeed: number;
}

export function failedParameters(c: Comparison): ParameterComparison[] {
  return c.parameters.filter((p) => p.points.some((q) => !q.passed));
}

/** An output with no elements (a dimension of size 0), of any of the outputs. */
export function isEmptyOutput(outputShapes: readonly (readonly number[])[]): boolean {
  return outputShapes.some((shape) => shape.some((d) => d === 0));
}

/** The arguments of compareGradients that a case fixes: its inputs and its upstream gradient. */
export function caseArgs(c: GradientCase): Pick<CompareArgs, 'xs' | 'xShapes' | 'upstream'> {
  return {
    xs: c.xs.map((x) => Float32Array.from(x)),
    xShapes: caseShapes(c),
    upstream: (shapes: number[][]) => upstreamValues(c, shapes),
  };
}

export async function searchFailure(
  subject: LayerUnderTest,
  /** Size of one observation of each input. */
  inputSizes: number[][],
  seed: number,
  caseSeed: number,
  exhaustive: boolean,
  /** The layer's declared kinks: some input elements are drawn a few steps from them. */
  kinks: readonly number[] = [],
  /** A lighter sample of the input for the drawn case (see CompareArgs.inputSample). */
  inputSample?: { coordinates: number; directions: number },
): Promise<SearchResult> {
  const arbitrary = fc.limitShrink(new GradientCaseArbitrary(BATCH, inputSizes, true, kinks), MAX_SHRINK_CANDIDATES);
  let drawn: CaseComparison | null = null;
  let drawnError: unknown = null;
  let last: CaseComparison | null = null;
  let failing: string[] = [];
  let shrinkPasses = 0;

  const property = async (c: GradientCase): Promise<boolean> => {
    const common = { subject, ...caseArgs(c), seed, kinks };
    if (!drawn) {
      try {
        drawn = { c, comparison: await compareGradients({ ...common, exhaustive, inputSample }) };
      } catch (e) {
        drawnError = e;
        return true;
      }
      failing = failedParameters(drawn.comparison).map((p) => p.name);
      if (failing.length === 0) return true;
      last = drawn;
      return false;
    }
    // Shrinking: does this smaller case still fail for a parameter that failed? (compareShrunk)
    if (shrinkPasses > SHRINK_PASS_BUDGET * drawn.comparison.forwardPasses) return true;
    const comparison = await compareShrunk(common, last!, c, failing);
    if (!comparison) return true;
    shrinkPasses += comparison.forwardPasses;
    // An input too small for the layer (a 1x1 image into a 2x2 pooling) gives an empty output:
    // whatever its "derivatives" are, it is not a case the layer is meant for.
    if (isEmptyOutput(comparison.outputShapes)) return true;
    if (failedParameters(comparison).length === 0) return true;
    last = { c, comparison };
    return false;
  };

  const details = await withWeightsRestored(subject.layer, () =>
    fc.check(fc.asyncProperty(arbitrary, property), { seed: caseSeed, numRuns: 1 }),
  );
  if (drawnError) throw drawnError instanceof Error ? drawnError : new Error(errorText(drawnError));
  if (!drawn) throw new Error('fast-check drew no case');
  return { drawn, counterexample: last, shrinks: details.numShrinks, caseSeed };
}

/**
 * The gradients of a smaller case, probed cheaply (a missed failure only means a missed shrink):
 * only the parameters that failed, the elements that failed last time first, no directions
 * unless only directions failed; null when the layer does not take the case.
 */
async function compareShrunk(
  common: Omit<CompareArgs, 'exhaustive'>,
  previous: CaseComparison,
  c: GradientCase,
  failing: string[],
): Promise<Comparison | null> {
  const sameShape = JSON.stringify(caseShapes(previous.c)) === JSON.stringify(caseShapes(c));
  const prefer: Record<string, number[]> = {};
  let onlyDirections = true;
  for (const p of previous.comparison.parameters) {
    const bad = p.points.filter((q) => !q.passed && q.index !== null).map((q) => q.index!);
    if (bad.length) onlyDirections = false;
    if (p.role === 'learnable' || sameShape) prefer[p.name] = bad;
  }
  try {
    return await compareGradients({
      ...common,
      exhaustive: false,
      only: failing,
      stopAtFirstFailure: true,
      focus: { prefer, maxCoordinates: SHRINK_COORDINATES, directions: onlyDirections ? 1 : 0 },
    });
  } catch {
    return null;
  }
}
