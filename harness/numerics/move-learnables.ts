/**
 * A second point for the gradient check: every learnable moved away from where the layer
 * started, so that a derivative right only at the initial values (a factor beta forgotten where
 * beta starts at 1, a bias left out where it starts at 0) shows. Moves are drawn from a seed, so
 * the point replays with the run's seed.
 *
 * - A learnable whose elements all start equal (`'zeros'`, `'ones'`, a constant): each element
 *   moves on its own to c + s x r x max(|c|, 1), s a random sign, r uniform in [MOVE_MIN,
 *   MOVE_MAX]: the elements differ from each other and lie at least 0.2 away from 0 and 1.
 * - Any other learnable (random initial values): each element is scaled by 1 + s x r, so it moves
 *   by 20 to 50% of its own magnitude and keeps its sign (a learnable that must stay positive,
 *   a scale or a temperature, stays positive).
 * A moved value that lands within AVOID of 0 or 1 takes the other sign.
 */
import type { LayerUnderTest } from '../layer-under-test.ts';
import { deriveSeed, makeRng } from '../random.ts';
import { tf } from '../tf.ts';
import { f32 } from './float32.ts';
import { withWeightsRestored } from './preserve-weights.ts';

export const MOVE_MIN = 0.2;
export const MOVE_MAX = 0.5;
/** A moved value this close to 0 or 1 is moved the other way. */
export const AVOID = 0.05;

/** True when every element equals the first (a constant initial value). */
export function isConstant(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return true;
}

/** The learnable's values at the second point (float32), drawn from `seed`. */
export function movedValues(values: Float32Array, seed: number): Float32Array {
  const rng = makeRng(seed);
  const constant = isConstant(values);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const sign = rng() < 0.5 ? -1 : 1;
    const r = MOVE_MIN + (MOVE_MAX - MOVE_MIN) * rng();
    const at = (s: number) => f32(constant ? v + s * r * Math.max(Math.abs(v), 1) : v * (1 + s * r));
    let moved = at(sign);
    if (v !== 0 && (Math.abs(moved) < AVOID || Math.abs(moved - 1) < AVOID)) moved = at(-sign);
    out[i] = moved;
  }
  return out;
}

export interface MovedLearnableValues {
  name: string;
  initial: Float32Array;
  moved: Float32Array;
}

/**
 * Runs `fn` with every learnable of `subject` moved (seeded per learnable name), and puts every
 * weight back as it was afterwards (learnables and state).
 */
export async function withMovedLearnables<T>(
  subject: LayerUnderTest,
  seed: number,
  fn: (moved: MovedLearnableValues[]) => Promise<T>,
): Promise<T> {
  return withWeightsRestored(subject.layer, async () => {
    const moved: MovedLearnableValues[] = [];
    for (const name of subject.learnableNames()) {
      const variable = subject.learnableVariable(name);
      const d = await variable.data();
      const initial = d instanceof Float32Array ? d.slice() : Float32Array.from(d as ArrayLike<number>);
      const values = movedValues(initial, deriveSeed(seed, name));
      const t = tf.tensor(values, variable.shape, 'float32');
      variable.assign(t);
      t.dispose();
      moved.push({ name, initial, moved: values });
    }
    return fn(moved);
  });
}
