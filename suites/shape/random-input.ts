/**
 * Seeded inputs for the shape checks: standard normal values (as MATLAB's checkLayer uses randn)
 * drawn from the check's own generator, so a failure replays with the same --seed.
 */
import type { CheckContext } from '../../harness/check.ts';
import { tf, type Tensor } from '../../harness/tf.ts';

/** Observations per batch: more than one, so the batch axis is really exercised. */
export const BATCH = 2;

/** Standard normal float32 values of the given shape (Box-Muller over `random`). */
export function randomNormal(random: () => number, shape: number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const u = 1 - random(); // in (0, 1]: log(u) is finite
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    values[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < size) values[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return tf.tensor(values, shape, 'float32');
}

/**
 * A batch of `batch` random observations for every input, in order: `[batch, ...inputSizes[i]]`
 * each, drawn one after the other from `random` (one input: the same values as `randomInput`).
 */
export function randomInputs(ctx: Pick<CheckContext, 'random' | 'inputSizes'>, batch = BATCH): Tensor[] {
  return ctx.inputSizes.map((size) => randomNormal(ctx.random, [batch, ...size]));
}

/** A batch of `batch` random observations of the (first) input's size: [batch, ...inputSize]. */
export function randomInput(ctx: Pick<CheckContext, 'random' | 'inputSize'>, batch = BATCH): Tensor {
  return randomNormal(ctx.random, [batch, ...ctx.inputSize]);
}
