/**
 * TensorFlow.js backends in Node: cpu (the reference), wasm (the fast CPU backend) and webgpu
 * through Dawn (`webgpu` npm package): Vulkan on a machine with a GPU, Mesa's software adapter
 * (OpenGL ES, compatibility mode) where Debian's Mesa is installed, and unavailable otherwise.
 */
import { existsSync } from 'node:fs';
import { tf } from './tf.ts';

import type { BackendChoice, BackendName } from './backend-names.ts';

export { BACKENDS, type BackendChoice, type BackendName } from './backend-names.ts';

export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why not, when unavailable. */
  reason?: string;
  /** "CPU (JavaScript)", "CPU (wasm, SIMD)", "WebGPU (NVIDIA H200, vulkan)"... */
  device?: string;
  /** For webgpu: true when the adapter is a real GPU, false for a software rasterizer. */
  hardware?: boolean;
}

let wasmLoaded: Promise<BackendStatus> | null = null;
let webgpuLoaded: Promise<BackendStatus> | null = null;

/** Makes a backend usable (imports and registers it) and says whether it works here. Cached. */
export function prepareBackend(name: BackendName): Promise<BackendStatus> {
  if (name === 'cpu') return Promise.resolve({ name, available: true, device: 'CPU (JavaScript, tfjs-backend-cpu)' });
  if (name === 'wasm') return (wasmLoaded ??= prepareWasm());
  return (webgpuLoaded ??= prepareWebgpu());
}

async function prepareWasm(): Promise<BackendStatus> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    (await import('./wasm-training-kernels.ts')).registerWasmTrainingKernels();
    (await import('./wasm-exp-kernel.ts')).registerWasmExpKernel();
    (await import('./wasm-transpose-kernel.ts')).registerWasmTransposeKernel();
    (await import('./wasm-sum-kernel.ts')).registerWasmSumKernel();
    (await import('./wasm-identity-kernel.ts')).registerWasmIdentityKernel();
    const previous = tf.getBackend();
    const ok = await tf.setBackend('wasm');
    if (previous && previous !== 'wasm') await tf.setBackend(previous);
    if (!ok) return { name: 'wasm', available: false, reason: 'the wasm backend failed to initialise' };
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return { name: 'wasm', available: true, device: `CPU (wasm${simd ? ', SIMD' : ''}, one thread)` };
  } catch (e) {
    return { name: 'wasm', available: false, reason: `the wasm backend failed to load: ${(e as Error).message}` };
  }
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

async function prepareWebgpu(): Promise<BackendStatus> {
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (e) {
    return {
      name: 'webgpu',
      available: false,
      reason: `the webgpu package (Dawn) failed to load: ${(e as Error).message}`,
    };
  }
  Object.assign(globalThis, webgpu.globals);
  // First a real GPU (Vulkan), then Mesa's software OpenGL ES adapter in compatibility mode.
  const attempts: AdapterAttempt[] = [
    { options: ['backend=vulkan'], label: 'vulkan', hardware: true },
    { options: ['backend=opengles'], featureLevel: 'compatibility', label: 'opengles', hardware: false },
  ];
  process.env['EGL_PLATFORM'] ??= 'surfaceless';
  const tried: string[] = [];
  for (const a of attempts) {
    const outcome = await tryAdapter(webgpu, a);
    if (typeof outcome !== 'string') return outcome;
    tried.push(outcome);
  }
  return {
    name: 'webgpu',
    available: false,
    reason: `no WebGPU adapter: no GPU with Vulkan and no Mesa software adapter (apt-get install libegl1 libgles2 libegl-mesa0) [${tried.join('; ')}]`,
  };
}

interface AdapterAttempt {
  options: string[];
  featureLevel?: string;
  label: string;
  hardware: boolean;
}

/** One way to reach a WebGPU adapter with tfjs-backend-webgpu on it: the backend's status, or why not. */
async function tryAdapter(webgpu: typeof import('webgpu'), a: AdapterAttempt): Promise<BackendStatus | string> {
  // Dawn prints a warning for every backend it cannot load: skip Vulkan where its loader is absent.
  if (a.label === 'vulkan' && !hasVulkanLoader()) {
    return 'vulkan: libvulkan.so.1 not installed';
  }
  let gpu: GPU;
  let adapter: (GPUAdapter & AdapterLike) | null = null;
  try {
    gpu = webgpu.create(a.options);
    adapter = await gpu.requestAdapter(a.featureLevel ? { featureLevel: a.featureLevel } : undefined);
  } catch (e) {
    return `${a.label}: ${(e as Error).message.split('\n')[0]}`;
  }
  if (!adapter) {
    return `${a.label}: no adapter`;
  }
  const info = adapter.info ?? {};
  const software = /llvmpipe|swiftshader|softpipe|lavapipe/i.test(
    `${info.device} ${info.description} ${info.architecture}`,
  );
  const request = gpu.requestAdapter.bind(gpu);
  // tfjs-backend-webgpu calls navigator.gpu.requestAdapter itself: give it the same options.
  (gpu as { requestAdapter: GPU['requestAdapter'] }).requestAdapter = (o?: GPURequestAdapterOptions) =>
    request({ ...(a.featureLevel ? { featureLevel: a.featureLevel } : {}), ...(o ?? {}) });
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, userAgent: 'node' },
    configurable: true,
    writable: true,
  });
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    const previous = tf.getBackend();
    const ok = await tf.setBackend('webgpu');
    if (previous && previous !== 'webgpu') await tf.setBackend(previous);
    if (!ok) {
      return `${a.label}: tfjs-backend-webgpu failed to initialise`;
    }
  } catch (e) {
    return `${a.label}: ${(e as Error).message.split('\n')[0]}`;
  }
  const name = [info.description, info.device, info.vendor].find((s) => s && s.trim()) ?? 'unknown adapter';
  const hardware = a.hardware && !software;
  return {
    name: 'webgpu',
    available: true,
    hardware,
    device: `WebGPU (${name}, ${a.label}${hardware ? '' : ', software'})`,
  };
}

function hasVulkanLoader(): boolean {
  const dirs = [
    ...(process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((d) => existsSync(`${d}/libvulkan.so.1`));
}

/**
 * Switches to the chosen backend. `auto` is webgpu on a real GPU, else wasm. Throws a one-line
 * error naming --backend when the choice is not available here.
 */
export async function useBackend(choice: BackendChoice): Promise<BackendStatus> {
  let status: BackendStatus;
  if (choice === 'auto') {
    // A real GPU is reached through Vulkan only; without its loader, don't probe (Dawn is noisy).
    const gpu: BackendStatus = hasVulkanLoader()
      ? await prepareBackend('webgpu')
      : { name: 'webgpu', available: false };
    status = gpu.available && gpu.hardware ? gpu : await prepareBackend('wasm');
    if (!status.available) status = await prepareBackend('cpu');
  } else {
    status = await prepareBackend(choice);
  }
  if (!status.available)
    throw new BackendUnavailableError(`--backend ${choice}: ${status.reason}; use --backend cpu or wasm`);
  await tf.setBackend(status.name);
  await tf.ready();
  return status;
}

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
