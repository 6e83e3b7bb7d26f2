/**
 * Benchmark: training the seed network on the CPU (wasm backend) with the reference ELU.
 * Images per second through the training loop over a few epochs of 5,000 digits (target: at
 * least 3,400, PyTorch 1.13's CPU speed on the same network on this project's 2-core machine),
 * the same for the network with an identity layer in the ELU's place (what the network around
 * the layer costs), and with --full the test accuracy after the seed's 30 epochs. Peak resident
 * memory (target under 1.5 GB with training). JSON lines.
 *
 *   npx tsx bench/train-cpu.ts [--epochs 3] [--full] [--seed 1]
 */
import { cpus } from 'node:os';
import { useBackend } from '../harness/backends.ts';
import { tf } from '../harness/tf.ts';
import { runTraining } from '../reference-layers/training/run-training.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const epochs = arg('epochs', 3);
const seed = arg('seed', 1);
const full = process.argv.includes('--full');

/** A Form A layer that returns its input: the network without a layer, to see what the rest costs. */
class IdentityLayer extends tf.layers.Layer {
  static className = 'BenchIdentityLayer';
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(x) ? x[0]! : x;
  }
}
tf.serialization.registerClass(IdentityLayer);

const status = await useBackend('wasm');
const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? ''}`;
const TARGET = 3400;

async function speed(name: string, layer?: () => unknown) {
  const cpuBefore = process.cpuUsage();
  const ev = await runTraining({
    layer,
    seed,
    epochs,
    trainSize: 5000,
    testSize: 5000,
    device: status.device,
    live: false,
  });
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    JSON.stringify({
      bench: name,
      backend: 'wasm',
      device: status.device,
      layer: ev.layer,
      epochs,
      trainSize: 5000,
      iterations: ev.iterations,
      seconds: ev.seconds,
      imagesPerSecond: ev.imagesPerSecond,
      // CPU seconds of this process for the whole run (training, evaluation, setup): on a shared machine wall time overstates the cost.
      processCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      target: TARGET,
      met: ev.imagesPerSecond >= TARGET,
      testAccuracy: ev.testAccuracy,
      machine,
    }),
  );
}

await speed('train-cpu');
await speed('train-cpu-identity-layer', () => new IdentityLayer({}));
if (full) {
  const ev = await runTraining({
    seed,
    epochs: 30,
    trainSize: 5000,
    testSize: 5000,
    device: status.device,
    live: false,
  });
  console.log(
    JSON.stringify({
      bench: 'train-cpu-accuracy',
      backend: 'wasm',
      layer: ev.layer,
      epochs: 30,
      trainSize: 5000,
      testSize: 5000,
      seed,
      testAccuracy: ev.testAccuracy,
      seconds: ev.seconds,
      imagesPerSecond: ev.imagesPerSecond,
      target: TARGET,
      met: ev.imagesPerSecond >= TARGET,
      machine,
    }),
  );
}
const peakMB = process.resourceUsage().maxRSS / 1024;
console.log(
  JSON.stringify({ bench: 'train-cpu-memory', peakRssMB: Math.round(peakMB), target: 1536, met: peakMB < 1536 }),
);
process.exit(0);
