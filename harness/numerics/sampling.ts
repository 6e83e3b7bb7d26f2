/**
 * Which coordinates and directions of a parameter are probed. Cost is bounded: a parameter with
 * at most ALL_UP_TO elements is probed at every element; a larger one at its first and last
 * element plus a random sample (COORDINATES.input for the input, COORDINATES.learnable for a
 * learnable), and along DIRECTIONS random directions, which reach every element at once.
 * `exhaustive` probes every element (plus the directions). The choice depends only on the seed,
 * the shape and the role, so two learnables of the same shape are probed at the same elements.
 */
import { makeRng } from '../random.ts';

export const COORDINATES = { input: 48, learnable: 32 } as const;
export const ALL_UP_TO = 64;
export const DIRECTIONS = 4;

export type ParameterRole = 'input' | 'learnable';

/** Flat indices to probe, ascending. */
export function chooseCoordinates(size: number, role: ParameterRole, exhaustive: boolean, seed: number): number[] {
  if (exhaustive || size <= ALL_UP_TO) return Array.from({ length: size }, (_, i) => i);
  const want = Math.min(size, COORDINATES[role] + 2);
  const rng = makeRng(seed);
  const chosen = new Set<number>([0, size - 1]);
  while (chosen.size < want) chosen.add(Math.floor(rng() * size));
  return [...chosen].sort((a, b) => a - b);
}

/** `count` directions of standard normal entries (Box-Muller), each of length `size`. */
export function chooseDirections(size: number, count: number, seed: number): Float64Array[] {
  const rng = makeRng(seed);
  const out: Float64Array[] = [];
  for (let d = 0; d < count; d++) {
    const v = new Float64Array(size);
    for (let i = 0; i < size; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rng()));
      const phi = 2 * Math.PI * rng();
      v[i] = r * Math.cos(phi);
      if (i + 1 < size) v[i + 1] = r * Math.sin(phi);
    }
    out.push(v);
  }
  return out;
}
