/**
 * Flat index to position in a tensor of `shape`, row-major as TensorFlow.js stores it:
 * `positionOf(23, [2, 3, 4])` is `[1, 2, 3]`. A zero-sized axis yields 0 there.
 */
export function positionOf(index: number, shape: readonly number[]): number[] {
  const pos = new Array<number>(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] ?? 0;
    pos[d] = n > 0 ? rest % n : 0;
    rest = n > 0 ? Math.floor(rest / n) : 0;
  }
  return pos;
}
