/**
 * Benchmark: training the seed network on the GPU through WebGPU (Dawn over Vulkan), with the
 * reference ELU: 30 epochs of 5,000 digits (target: at most 13.8 s, the seed's MATLAB run, at
 * the same accuracy). Prints the backend and the adapter first and stops (exit 1) when it is not
 * webgpu: without an adapter TensorFlow.js falls back to the cpu backend and crawls. JSON lines.
 *
 * Here:  npx tsx bench/train-gpu.ts --epochs 1 --train-size 512      (Mesa's software adapter)
 * Packed for the GPU machine:  ../shared/gpu/pack.sh bench/train-gpu.ts .gpu
 *   there: bash .gpu/run.sh --epochs 30
 */
import { useBackend } from '../harness/backends.ts';
import { tf } from '../harness/tf.ts';
import { runTraining } from '../reference-layers/training/run-training.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const epochs = arg('epochs', 30);
const trainSize = arg('train-size', 5000);
const testSize = arg('test-size', 5000);
const seed = arg('seed', 1);
const TARGET_SECONDS = 13.8;

let status;
try {
  status = await useBackend('webgpu');
} catch (e) {
  console.log(JSON.stringify({ bench: 'train-gpu', error: (e as Error).message, backend: tf.getBackend() }));
  process.exit(1);
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

const started = performance.now();
const ev = await runTraining({
  seed,
  epochs,
  trainSize,
  testSize,
  device: status.device,
  out: (line) => console.error(line),
  live: false,
});
const total = (performance.now() - started) / 1000;
// Time from the first table row (iteration 1, shaders compiled) to the end: the steady state.
const first = ev.table[0];
const steady =
  first && ev.iterations > first.iteration
    ? ((ev.iterations - first.iteration) * ev.settings.miniBatchSize) / (ev.seconds - first.seconds)
    : null;
console.log(
  JSON.stringify({
    bench: 'train-gpu',
    backend: tf.getBackend(),
    device: status.device,
    hardware: status.hardware ?? false,
    epochs,
    trainSize,
    testSize,
    seed,
    iterations: ev.iterations,
    seconds: ev.seconds,
    imagesPerSecond: ev.imagesPerSecond,
    steadyImagesPerSecond: steady === null ? null : Math.round(steady),
    secondsWithDataAndEvaluation: Number(total.toFixed(2)),
    testAccuracy: ev.testAccuracy,
    target: TARGET_SECONDS,
    met: epochs >= 30 && trainSize >= 5000 && ev.seconds <= TARGET_SECONDS,
  }),
);
process.exit(0);
