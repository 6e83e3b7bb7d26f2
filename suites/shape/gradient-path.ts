/**
 * "Backward" for the shape checks, on both forms, as MATLAB's checkLayer means it:
 * - Form B with a backward: the user's backward, called directly with forward's outputs and
 *   memory (not through tf.customGrad, whose own shape and dtype asserts would hide which
 *   derivative is wrong);
 * - Form B without backward: automatic differentiation of forward, as training uses it;
 * - Form A: the layer's gradient path as training sees it (autodiff of call, or its customGrad).
 * One derivative per input (dLdXs) and one per learnable, for a random upstream gradient on every
 * output.
 */
import type { LayerUnderTest } from '../../harness/layer-under-test.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import type { CheckContext } from '../../harness/check.ts';
import { randomInputs, randomNormal } from './random-input.ts';

export interface AllGradients {
  dLdXs: Tensor[];
  dLdLearnables: Record<string, Tensor>;
}

/** Derivatives for the inputs Xs and random upstream gradients dLdZs (one per forward output). */
export function layerGradients(subject: LayerUnderTest, Xs: Tensor[], dLdZs: Tensor[]): AllGradients {
  return subject.form === 'B' && subject.hasBackward ? subject.backwardAll(Xs, dLdZs) : subject.gradientsAll(Xs, dLdZs);
}

/** Random upstream gradients shaped as forward's outputs for Xs. */
export function upstreamGradients(subject: LayerUnderTest, Xs: Tensor[], random: () => number): Tensor[] {
  // tidy disposes the outputs and the memory (never Xs, which it did not make).
  const shapes = tf.tidy(() => subject.forwardAll(Xs).Zs.map((Z) => Z.shape));
  return shapes.map((shape) => randomNormal(random, shape));
}

/** Every tensor in a gradients value, for disposal. */
export function gradientTensors(g: AllGradients): Tensor[] {
  return [...g.dLdXs, ...Object.values(g.dLdLearnables)];
}

/** Derivatives for a random batch and random upstream gradients (both disposed); with the inputs' shapes. */
export function gradientsOfRandomInputs(ctx: CheckContext): { g: AllGradients; inputShapes: number[][] } {
  const Xs = randomInputs(ctx);
  const dLdZs = upstreamGradients(ctx.subject, Xs, ctx.random);
  try {
    return { g: layerGradients(ctx.subject, Xs, dLdZs), inputShapes: Xs.map((X) => X.shape) };
  } finally {
    tf.dispose([...Xs, ...dLdZs]);
  }
}
