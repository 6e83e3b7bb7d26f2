/**
 * "Backward" for the shape checks, on both forms, as MATLAB's checkLayer means it:
 * - Form B with a backward: the user's backward, called directly with forward's output and
 *   memory (not through tf.customGrad, whose own shape and dtype asserts would hide which
 *   derivative is wrong);
 * - Form B without backward: automatic differentiation of forward, as training uses it;
 * - Form A: the layer's gradient path as training sees it (autodiff of call, or its customGrad).
 */
import type { Gradients, LayerUnderTest } from '../../harness/layer-under-test.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import type { CheckContext } from '../../harness/check.ts';
import { randomInput, randomNormal } from './random-input.ts';

/** Derivatives for the input X and a random upstream gradient dLdZ (the forward output's shape). */
export function layerGradients(subject: LayerUnderTest, X: Tensor, dLdZ: Tensor): Gradients {
  return subject.form === 'B' && subject.hasBackward ? subject.backward(X, dLdZ) : subject.gradients(X, dLdZ);
}

/** A random upstream gradient shaped as forward's output for X. */
export function upstreamGradient(subject: LayerUnderTest, X: Tensor, random: () => number): Tensor {
  // tidy disposes Z and the memory (never X, which it did not make).
  const shape = tf.tidy(() => subject.forward(X).Z.shape);
  return randomNormal(random, shape);
}

/** Every tensor in a Gradients value, for disposal. */
export function gradientTensors(g: Gradients): Tensor[] {
  return [g.dLdX, ...Object.values(g.dLdLearnables)];
}

/** Derivatives for a random batch and a random upstream gradient (both disposed); with the input's shape. */
export function gradientsOfRandomInput(ctx: CheckContext): { g: Gradients; inputShape: number[] } {
  const X = randomInput(ctx);
  const dLdZ = upstreamGradient(ctx.subject, X, ctx.random);
  try {
    return { g: layerGradients(ctx.subject, X, dLdZ), inputShape: X.shape };
  } finally {
    tf.dispose([X, dLdZ]);
  }
}
