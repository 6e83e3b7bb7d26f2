/** Backend names, without loading TensorFlow.js (the CLI's main thread never loads it). */
export type BackendName = 'cpu' | 'wasm' | 'webgpu';
export type BackendChoice = BackendName | 'auto';
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];
