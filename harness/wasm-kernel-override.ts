/**
 * Putting a faster JavaScript kernel in place of one of the wasm backend's, keeping wasm's own for
 * the cases the faster one does not cover.
 *
 * The replacement keeps the original's `setupFunc` (wasm kernels bind their C++ function there when
 * the backend starts), so the original still works as the fallback. Registering twice is a no-op.
 */
import { tf } from './tf.ts';

export type TensorInfo = { dataId: object; shape: number[]; dtype: string };

/** The parts of tfjs-backend-wasm's backend these kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: object): void;
  dataIdMap: { get(dataId: object): { shape: number[] } | undefined };
}

export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs?: Record<string, unknown>;
}
export type WasmKernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** True when `name` on wasm is this harness's kernel. */
export function isHarnessKernel(name: string): boolean {
  return (tf.getKernel(name, 'wasm') as { checkLayer?: boolean } | undefined)?.checkLayer === true;
}

/**
 * Registers `make(original)` as wasm's `name` kernel, where `original` is wasm's own (throws a
 * clear error when wasm has none). Once per process.
 */
export function overrideWasmKernel(name: string, make: (original: WasmKernelFunc) => WasmKernelFunc): void {
  if (isHarnessKernel(name)) return;
  const current = tf.getKernel(name, 'wasm');
  if (!current) throw new Error(`wasm-kernel-override: the wasm backend has no ${name} kernel to replace`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
    checkLayer: true,
    kernelFunc: make(current.kernelFunc as unknown as WasmKernelFunc) as unknown as tf.KernelFunc,
  } as tf.KernelConfig);
}
