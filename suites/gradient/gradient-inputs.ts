/**
 * Inputs for the gradient checks that compare two analytic derivatives (no finite differences):
 * a case drawn by fast-check from the seed, without the exact special values (where two correct
 * derivatives may rightly pick different subgradients at a kink), and the analytic derivatives
 * read back by parameter name.
 */
import type { CheckContext } from '../../harness/check.ts';
import type { Gradients } from '../../harness/layer-under-test.ts';
import { caseShape, drawCase, upstreamValues, type GradientCase } from '../../harness/numerics/gradient-case.ts';
import { INPUT } from '../../harness/numerics/compare-gradients.ts';
import { deriveSeed } from '../../harness/random.ts';
import { declaredKinks } from '../../harness/declared-kinks.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { BATCH } from '../../harness/numerics/search-failure.ts';

export interface DrawnInputs {
  case: GradientCase;
  X: Tensor;
  dLdZ: Tensor;
  g: Float32Array;
  outputShape: number[];
  dispose(): void;
}

export function drawInputs(ctx: CheckContext, checkId: string): DrawnInputs {
  const c = drawCase(
    deriveSeed(ctx.seed, checkId) | 0,
    BATCH,
    ctx.inputSize,
    false,
    declaredKinks(ctx.subject.layer).kinks,
  );
  const X = tf.tensor(Float32Array.from(c.x), caseShape(c), 'float32');
  const outputShape = tf.tidy(() => ctx.subject.forward(X).Z.shape);
  const g = upstreamValues(c, outputShape);
  const dLdZ = tf.tensor(g, outputShape, 'float32');
  return { case: c, X, dLdZ, g, outputShape, dispose: () => tf.dispose([X, dLdZ]) };
}

/** Reads every derivative back (by parameter name: `input` and the learnables) and disposes them. */
export async function readGradients(grads: Gradients): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  try {
    out[INPUT] = Float32Array.from(await grads.dLdX.data());
    for (const [name, t] of Object.entries(grads.dLdLearnables)) out[name] = Float32Array.from(await t.data());
  } finally {
    tf.dispose([grads.dLdX, ...Object.values(grads.dLdLearnables)]);
  }
  return out;
}

/** Shapes of the derivatives, by parameter name. */
export function parameterShapes(ctx: CheckContext, X: Tensor): Record<string, number[]> {
  const out: Record<string, number[]> = { [INPUT]: X.shape };
  for (const n of ctx.subject.learnableNames()) out[n] = ctx.subject.learnableVariable(n).shape;
  return out;
}
