/**
 * A faster `Transpose` for the wasm backend, for the permutations that are a swap of two blocks of
 * axes, with or without leading batch axes: [R, C] -> [C, R] and [B, R, C] -> [B, C, R] once
 * size-1 axes are dropped and neighbouring axes that stay together are merged. Written in
 * JavaScript over views of the wasm heap, reading down the columns and writing each output row in
 * order. Other permutations, and string or complex tensors, go to wasm's own kernel.
 *
 * Why: training's fully connected backward transposes the [128, 11520] activation (`train.ts`,
 * wasm multiplies fastest with untransposed operands). Measured here: wasm's own about 4.2 to 5.9
 * ms for those 1.5 million values, this one about 1.9 ms. Values are copied, not computed: the
 * result is bit for bit the cpu backend's (wasm-transpose-kernel.test.ts).
 */
import { overrideWasmKernel, type TensorInfo } from './wasm-kernel-override.ts';

/**
 * The permutation as [batch, rows, columns] of a batched two-axis swap, or null when it is
 * something else. Drops size-1 axes, merges axes that stay neighbours in the same order.
 */
export function asBatchedSwap(shape: readonly number[], perm: readonly number[]): [number, number, number] | null {
  // Size-1 axes dropped, the others numbered 0, 1, ... in input order.
  const inputKept = shape.map((_, a) => a).filter((a) => shape[a] !== 1);
  const kept = perm.filter((a) => shape[a] !== 1).map((a) => inputKept.indexOf(a));
  const sizes = inputKept.map((a) => shape[a]!);
  // Runs of axes that stay consecutive in the output: each is one merged axis.
  const runs: number[][] = [];
  for (const a of kept) {
    const last = runs[runs.length - 1];
    if (last && a === last[last.length - 1]! + 1) last.push(a);
    else runs.push([a]);
  }
  const size = (run: number[]) => run.reduce((n, a) => n * sizes[a]!, 1);
  // Input order of the runs (by their first axis); the output order is `runs`.
  const inputOrder = [...runs].sort((p, q) => p[0]! - q[0]!);
  if (runs.length <= 1) return [1, 1, size(runs[0] ?? [])]; // a copy
  if (runs.length === 2 && runs[0] === inputOrder[1]) return [1, size(inputOrder[0]!), size(inputOrder[1]!)];
  if (runs.length === 3 && runs[0] === inputOrder[0] && runs[1] === inputOrder[2])
    return [size(inputOrder[0]!), size(inputOrder[1]!), size(inputOrder[2]!)];
  return null;
}

type Values = Float32Array | Int32Array | Uint8Array;

/** out = x as [batch, rows, cols] with each [rows, cols] block transposed to [cols, rows]. */
export function transposeInto(x: Values, out: Values, batch: number, rows: number, cols: number): void {
  if (rows === 1 || cols === 1) {
    out.set(x);
    return;
  }
  const block = rows * cols;
  for (let b = 0; b < batch; b++) {
    const base = b * block;
    let o = base;
    for (let c = 0; c < cols; c++) {
      let i = base + c;
      for (let r = 0; r < rows; r++, i += cols) out[o++] = x[i]!;
    }
  }
}

/** Replaces the wasm backend's `Transpose` (falling back to it for other permutations). Once. */
export function registerWasmTransposeKernel(): void {
  overrideWasmKernel('Transpose', (original) => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const perm = (args.attrs as { perm: number[] }).perm;
    const swap = x.dtype === 'string' || x.dtype === 'complex64' ? null : asBatchedSwap(x.shape, perm);
    if (!swap) return original(args);
    const { backend } = args;
    const out = backend.makeOutput(
      perm.map((a) => x.shape[a]!),
      x.dtype,
    );
    // Allocate first: a heap that grows detaches the views taken before.
    transposeInto(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out), ...swap);
    return out;
  });
}
