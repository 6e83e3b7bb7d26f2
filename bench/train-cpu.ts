/**
 * Benchmark: training the seed network on the CPU (wasm backend) with the reference ELU.
 * Images per second through the training loop over a few epochs of 5,000 digits, on one worker
 * and on every worker (data-parallel, `--workers`, default the cores, at most 8); target: at least
 * 3,400 on all workers, PyTorch 1.13's CPU speed on the same network on this project's 2-core
 * machine (its built-in ELU: 3,076). Also the network with an identity layer in the ELU's place
 * (what the network around the layer costs), and with --full the test accuracy after the seed's
 * 30 epochs. Memory: a run with one worker and one with all, each in a process of its own: the
 * process's peak resident size, rank 0's wasm and V8 heaps, and what each worker beyond the first
 * adds (target: a worker under 600 MB). JSON lines.
 *
 *   npx tsx bench/train-cpu.ts [--epochs 3] [--workers N] [--full] [--seed 1]
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { useBackend } from '../harness/backends.ts';
import { DEFAULT_CHECK_OPTIONS } from '../harness/check.ts';
import { tf } from '../harness/tf.ts';
import { runTraining } from '../reference-layers/training/run-training.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const epochs = arg('epochs', 3);
const seed = arg('seed', 1);
const all = arg('workers', DEFAULT_CHECK_OPTIONS.trainWorkers);
const full = process.argv.includes('--full');
const memoryRun = arg('memory-run', 0);

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
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** One run of the seed network, `epochs` of 5,000 digits: the reference ELU, or `layer`. */
function trainFor(workers: number, layer?: () => unknown) {
  return runTraining({
    layer,
    layerSpec: layer ? undefined : { kind: 'reference' },
    seed,
    epochs,
    trainSize: 5000,
    testSize: 5000,
    device: status.device,
    live: false,
    workers,
  });
}

async function speed(name: string, workers: number, layer?: () => unknown, target?: number) {
  const cpuBefore = process.cpuUsage();
  const ev = await trainFor(workers, layer);
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    JSON.stringify({
      bench: name,
      backend: 'wasm',
      device: status.device,
      layer: ev.layer,
      workers: ev.workers,
      ...(ev.workersNote ? { workersNote: ev.workersNote } : {}),
      epochs,
      trainSize: 5000,
      iterations: ev.iterations,
      seconds: ev.seconds,
      imagesPerSecond: ev.imagesPerSecond,
      // CPU seconds of this process for the whole run (training, evaluation, setup): on a shared machine wall time overstates the cost.
      processCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      ...(target ? { target, met: ev.imagesPerSecond >= target } : {}),
      testAccuracy: ev.testAccuracy,
      finalLoss: ev.curve.loss[ev.curve.loss.length - 1],
      // The process's peak resident memory so far (every worker thread of it together).
      peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
      machine,
    }),
  );
}

if (memoryRun) {
  // A child of the memory bench: one run with this many workers, then this thread's own heaps.
  await trainFor(memoryRun);
  const wasmHeap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
  console.log(JSON.stringify({ rank0WasmHeapMB: mb(wasmHeap), rank0V8HeapMB: mb(process.memoryUsage().heapTotal) }));
  process.exit(0);
}

await speed('train-cpu-one-worker', 1);
await speed('train-cpu', all, undefined, TARGET);
await speed('train-cpu-identity-layer', all, () => new IdentityLayer({}));
if (full) {
  const ev = await runTraining({
    seed,
    epochs: 30,
    trainSize: 5000,
    testSize: 5000,
    device: status.device,
    live: false,
    workers: all,
  });
  console.log(
    JSON.stringify({
      bench: 'train-cpu-accuracy',
      backend: 'wasm',
      layer: ev.layer,
      workers: ev.workers,
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
memory();
process.exit(0);

/**
 * Each worker's memory: the run with one worker, and with all, each a process of its own (its
 * peak resident size, every thread, from GNU time); a worker beyond the first costs the
 * difference divided among them. Target: a worker under 600 MB.
 */
function memory(): void {
  const peak = (workers: number) => {
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'maxrss=%M',
        process.execPath,
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--memory-run',
        String(workers),
        '--epochs',
        String(epochs),
      ],
      { encoding: 'utf8' },
    );
    const rss = /maxrss=(\d+)/.exec(r.stderr ?? '');
    const heaps = (r.stdout ?? '').split('\n').find((l) => l.startsWith('{')) ?? '{}';
    return { peakRssMB: rss ? Math.round(Number(rss[1]) / 1024) : NaN, ...(JSON.parse(heaps) as object) };
  };
  const one = peak(1);
  const every = all > 1 ? peak(all) : one;
  const addedWorkerMB = all > 1 ? Math.round((every.peakRssMB - one.peakRssMB) / (all - 1)) : null;
  const worst = Math.max(one.peakRssMB, addedWorkerMB ?? 0);
  console.log(
    JSON.stringify({
      bench: 'train-cpu-memory',
      workers: all,
      oneWorkerProcess: one,
      allWorkersProcess: every,
      addedWorkerMB,
      target: 600,
      met: worst < 600,
      machine,
    }),
  );
}
