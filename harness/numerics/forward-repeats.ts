/**
 * Whether forward at training time gives the same output twice for the same input. Finite
 * differences (and comparisons of two gradient computations) need that; a layer that draws
 * randomness at training time (dropout, noise) cannot be judged by them.
 */
import type { LayerUnderTest } from '../layer-under-test.ts';
import { tf, type Tensor } from '../tf.ts';
import { readConcatenated } from './compare-gradients.ts';

export interface Repeatability {
  repeats: boolean;
  /** First flat output index where two calls differed (the outputs' elements one after the other, for several). */
  index?: number;
  first?: number;
  second?: number;
}

export async function forwardRepeats(subject: LayerUnderTest, Xs: Tensor[]): Promise<Repeatability> {
  const read = async () => {
    const Zs = tf.tidy(() => subject.forwardAll(Xs).Zs);
    try {
      return await readConcatenated(Zs);
    } finally {
      tf.dispose(Zs);
    }
  };
  const a = await read();
  const b = await read();
  for (let i = 0; i < a.length; i++) {
    // Bitwise: NaN in the same place repeats too.
    if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i])))
      return { repeats: false, index: i, first: a[i]!, second: b[i]! };
  }
  return { repeats: a.length === b.length };
}

/** The skip message for a layer whose training-time forward does not repeat. */
export function notRepeatableMessage(r: Repeatability): string {
  return `forward at training time is random (two calls on the same input differ at output element ${r.index}: ${r.first} then ${r.second}), so derivatives cannot be checked numerically`;
}
