/**
 * `Identity` on the wasm backend without a copy, as the cpu and webgpu backends do it: the output
 * shares the input's buffer (its reference count goes up), as wasm's own `Reshape` already does.
 *
 * Why: TensorFlow.js clones every tensor a custom gradient saves for its backward (`save` in
 * `tf.customGrad`), and wasm's own `Identity` copies: four copies of 1.5 million values an
 * iteration in training with the reference ELU (about 1.4 ms), and as much wasm heap.
 *
 * wasm keeps the shape a buffer was made with, and one kernel reads it (`_FusedMatMul` wants its
 * bias buffer rank 1): where the input's shape is not its buffer's (a reshaped tensor), the
 * output is a copy as before, so every kernel sees the shape it saw before.
 */
import { overrideWasmKernel, type TensorInfo } from './wasm-kernel-override.ts';

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Replaces the wasm backend's `Identity` (still a copy for reshaped and string tensors). Once. */
export function registerWasmIdentityKernel(): void {
  overrideWasmKernel('Identity', (original) => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { backend } = args;
    const buffer = backend.dataIdMap.get(x.dataId);
    if (x.dtype === 'string' || !buffer || !sameShape(buffer.shape, x.shape)) return original(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
}
