/**
 * Inputs for the gradient checks that compare two analytic derivatives (no finite differences):
 * a case drawn by fast-check from the seed, without the exact special values (where two correct
 * derivatives may rightly pick different subgradients at a kink), with a value list per input of
 * the layer and an upstream gradient on every output, and the analytic derivatives read back by
 * parameter name (`input`, or `input 1`, `input 2`, ... for several inputs, and the learnables).
 */
import type { CheckContext } from '../../harness/check.ts';
import {
  caseShapes,
  drawCase,
  splitByShapes,
  upstreamValues,
  type GradientCase,
} from '../../harness/numerics/gradient-case.ts';
import { inputNames, tensorsOf } from '../../harness/numerics/compare-gradients.ts';
import { deriveSeed } from '../../harness/random.ts';
import { declaredKinks } from '../../harness/declared-kinks.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { BATCH, caseArgs } from '../../harness/numerics/search-failure.ts';

export { readGradients } from '../../harness/numerics/compare-gradients.ts';

export interface DrawnInputs {
  case: GradientCase;
  /** One tensor per input. */
  Xs: Tensor[];
  /** dLdZ, one tensor per output. */
  dLdZs: Tensor[];
  /** dLdZ, every output's elements one after the other. */
  g: Float32Array;
  outputShapes: number[][];
  dispose(): void;
}

export function drawInputs(ctx: CheckContext, checkId: string): DrawnInputs {
  const c = drawCase(
    deriveSeed(ctx.seed, checkId) | 0,
    BATCH,
    ctx.inputSizes,
    false,
    declaredKinks(ctx.subject.layer).kinks,
  );
  const Xs = tensorsOf(caseArgs(c).xs, caseShapes(c));
  const outputShapes = tf.tidy(() => ctx.subject.forwardAll(Xs).Zs.map((Z) => Z.shape));
  const g = upstreamValues(c, outputShapes);
  const dLdZs = tensorsOf(splitByShapes(g, outputShapes), outputShapes);
  return { case: c, Xs, dLdZs, g, outputShapes, dispose: () => tf.dispose([...Xs, ...dLdZs]) };
}

/** dLdZ on every output scaled by `c` (tensors the caller disposes). */
export function scaledUpstream(inputs: DrawnInputs, c: number): Tensor[] {
  return tensorsOf(
    splitByShapes(
      inputs.g.map((v) => c * v),
      inputs.outputShapes,
    ),
    inputs.outputShapes,
  );
}

/** dLdZ on output `k` alone, times `c` (the other outputs' zero; tensors the caller disposes). */
export function upstreamOnOutput(inputs: DrawnInputs, k: number, c = 1): Tensor[] {
  return tensorsOf(
    splitByShapes(inputs.g, inputs.outputShapes).map((g, j) => g.map((v) => (j === k ? c * v : 0))),
    inputs.outputShapes,
  );
}

/** Shapes of the derivatives, by parameter name (each input, then each learnable). */
export function parameterShapes(ctx: CheckContext, Xs: Tensor[]): Record<string, number[]> {
  const names = inputNames(Xs.length);
  const out: Record<string, number[]> = Object.fromEntries(Xs.map((X, i) => [names[i]!, X.shape]));
  for (const n of ctx.subject.learnableNames()) out[n] = ctx.subject.learnableVariable(n).shape;
  return out;
}

/** `{ input: 'input 2' }` for a failure located at an input of a layer with several inputs or outputs; else nothing. */
export function inputWhere(ctx: CheckContext, parameter: string): { input?: string } {
  return ctx.subject.isMultiIO && inputNames(ctx.subject.numInputs).includes(parameter) ? { input: parameter } : {};
}
