/**
 * Benchmark: training the seed network on WebGPU with the reference ELU. JSON lines.
 *
 * 1. `train-gpu-dispatches`: compute dispatches and queue submits per training iteration, counted
 *    by wrapping GPUComputePassEncoder.prototype.dispatchWorkgroups and GPUQueue.prototype.submit,
 *    training N and M iterations (the training loop alone: no evaluation) and taking the
 *    difference, so that setup and the end of training cancel out; msPerIteration and
 *    imagesPerSecond from the same difference. Target: at most 30 dispatches an iteration, the
 *    ELU's own ops included (`layerDispatchesPerIteration`: the ELU's forward and backward alone).
 * 2. `train-gpu` (unless --dispatches-only): the seed's run, 30 epochs of 5,000 digits, timed
 *    (target: at most 13.8 s, the seed's MATLAB run, at the same accuracy).
 *
 * Prints the backend and the adapter first and stops when it is not webgpu (without an adapter
 * TensorFlow.js falls back to the cpu backend and crawls): exit 1, or exit 0 with `skipped` under
 * --dispatches-only (what `npm run bench` runs, where Mesa may be missing).
 *
 * Here:  npx tsx bench/train-gpu.ts --dispatches-only          (Mesa's software adapter)
 *        add --unfused for TensorFlow.js ops throughout (the count before the fused programs)
 * Packed for the GPU machine:  ../shared/gpu/pack.sh bench/train-gpu.ts .gpu
 *   there: bash .gpu/run.sh --epochs 30
 */
import { useBackend, type BackendStatus } from '../harness/backends.ts';
import { applyAsModels } from '../harness/layer-under-test.ts';
import { tf, type Tensor } from '../harness/tf.ts';
import { loadDigits } from '../reference-layers/training/digits.ts';
import { buildLayer, referenceElu, runTraining } from '../reference-layers/training/run-training.ts';
import { LAYER_INPUT_SIZE, SeedNetwork } from '../reference-layers/training/seed-network.ts';
import { train } from '../reference-layers/training/train.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const epochs = arg('epochs', 30);
const trainSize = arg('train-size', 5000);
const testSize = arg('test-size', 5000);
const seed = arg('seed', 1);
const dispatchesOnly = flag('dispatches-only');
const fusedKernels = !flag('unfused');
const N = arg('count-iterations', 10);
const M = arg('baseline-iterations', 2);
const BATCH = 128;
const TARGET_SECONDS = 13.8;
const TARGET_DISPATCHES = 30;

let status: BackendStatus;
try {
  status = await useBackend('webgpu');
} catch (e) {
  const message = (e as Error).message;
  console.log(
    JSON.stringify(
      dispatchesOnly
        ? { bench: 'train-gpu-dispatches', skipped: message }
        : { bench: 'train-gpu', error: message, backend: tf.getBackend() },
    ),
  );
  process.exit(dispatchesOnly ? 0 : 1);
}
console.log(
  JSON.stringify({
    bench: 'train-gpu-setup',
    backend: tf.getBackend(),
    device: status.device,
    hardware: status.hardware ?? false,
  }),
);
if (tf.getBackend() !== 'webgpu') {
  console.log(JSON.stringify({ bench: 'train-gpu', error: `backend is ${tf.getBackend()}, not webgpu` }));
  process.exit(1);
}

// Counters on the prototypes: tfjs-backend-webgpu calls them on its own encoder and queue.
const counts = { dispatches: 0, submits: 0 };
function countCalls(proto: object, method: string, onCall: () => void): void {
  const original: unknown = Reflect.get(proto, method);
  if (typeof original !== 'function') throw new Error(`${method} is not a method here`);
  Reflect.set(proto, method, function (this: unknown, ...args: unknown[]): unknown {
    onCall();
    return Reflect.apply(original as (...a: unknown[]) => unknown, this, args);
  });
}
countCalls(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', () => counts.dispatches++);
countCalls(GPUQueue.prototype, 'submit', () => counts.submits++);

/** Dispatches, submits and milliseconds of a training loop of `iterations` iterations (no evaluation). */
async function countTraining(iterations: number) {
  const data = await loadDigits({ trainSize: BATCH * iterations, testSize: 10 });
  const net = new SeedNetwork(buildLayer(referenceElu, seed), seed);
  try {
    const before = { ...counts };
    const started = performance.now();
    await train({ network: net, data, seed, epochs: 1, device: status.device ?? 'webgpu', live: false, fusedKernels });
    return {
      dispatches: counts.dispatches - before.dispatches,
      submits: counts.submits - before.submits,
      ms: performance.now() - started,
    };
  } finally {
    net.dispose();
    net.layer.dispose();
  }
}

/** Dispatches of the reference ELU's own forward and backward on a mini-batch (through its own path, called as models call it). */
async function countLayer(): Promise<number> {
  const layer = buildLayer(referenceElu, seed);
  const x = tf.randomNormal([BATCH, ...LAYER_INPUT_SIZE]);
  const dy = tf.randomNormal([BATCH, ...LAYER_INPUT_SIZE]);
  await Promise.all([x.data(), dy.data()]);
  let n = 0;
  for (let round = 0; round < 2; round++) {
    const before = counts.dispatches;
    const { value, grads } = tf
      .engine()
      .gradients(
        () => applyAsModels(layer, x, { training: true }) as Tensor,
        [x, ...layer.trainableWeights.map((w) => w.read())],
        dy,
      );
    n = counts.dispatches - before;
    await Promise.all(grads.map((g) => g.data()));
    tf.dispose([value, ...grads]);
  }
  tf.dispose([x, dy]);
  layer.dispose();
  return n;
}

await countTraining(1); // compiles every shader once
const many = await countTraining(N);
const few = await countTraining(M);
const perIteration = (k: 'dispatches' | 'submits' | 'ms') => (many[k] - few[k]) / (N - M);
const dispatchesPerIteration = perIteration('dispatches');
const msPerIteration = perIteration('ms');
console.log(
  JSON.stringify({
    bench: 'train-gpu-dispatches',
    device: status.device,
    hardware: status.hardware ?? false,
    layer: 'reference ELU',
    fusedKernels,
    iterations: [N, M],
    dispatchesPerIteration,
    submitsPerIteration: perIteration('submits'),
    layerDispatchesPerIteration: await countLayer(),
    msPerIteration: Number(msPerIteration.toFixed(1)),
    imagesPerSecond: Math.round((BATCH * 1000) / msPerIteration),
    target: TARGET_DISPATCHES,
    met: dispatchesPerIteration <= TARGET_DISPATCHES,
  }),
);
if (dispatchesOnly) process.exit(0);

const started = performance.now();
const ev = await runTraining({
  seed,
  epochs,
  trainSize,
  testSize,
  device: status.device,
  out: (line) => console.error(line),
  live: false,
  fusedKernels,
});
const total = (performance.now() - started) / 1000;
// Time from the first table row (iteration 1, shaders compiled) to the end: the steady state.
const first = ev.table[0];
const steady =
  first && ev.iterations > first.iteration ? (ev.seconds - first.seconds) / (ev.iterations - first.iteration) : null;
console.log(
  JSON.stringify({
    bench: 'train-gpu',
    backend: tf.getBackend(),
    fusedKernels,
    device: status.device,
    hardware: status.hardware ?? false,
    epochs,
    trainSize,
    testSize,
    seed,
    iterations: ev.iterations,
    seconds: ev.seconds,
    msPerIteration: steady === null ? null : Number((steady * 1000).toFixed(2)),
    imagesPerSecond: ev.imagesPerSecond,
    steadyImagesPerSecond: steady === null ? null : Math.round(ev.settings.miniBatchSize / steady),
    secondsWithDataAndEvaluation: Number(total.toFixed(2)),
    testAccuracy: ev.testAccuracy,
    target: TARGET_SECONDS,
    met: epochs >= 30 && trainSize >= 5000 && ev.seconds <= TARGET_SECONDS,
  }),
);
process.exit(0);
