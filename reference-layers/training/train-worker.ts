/**
 * A training worker thread. Two jobs:
 * - `helper`: one rank of a data-parallel run (`data-parallel.ts`): makes the same layer and
 *   network, starts from rank 0's values, and trains its share of every mini-batch;
 * - `run`: a whole training run with evaluation (`runTrainingInWorker`), so that the reference
 *   network trains beside the layer's network when there are cores for both.
 */
import { parentPort } from 'node:worker_threads';
import { useBackend } from '../../harness/backends.ts';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import { loadLayerFile } from '../../harness/load-layer.ts';
import { tf } from '../../harness/tf.ts';
import { reducer } from './all-reduce.ts';
import type { HelperJob, LayerSpec } from './data-parallel.ts';
import type { DigitSplit } from './digits.ts';
import { buildLayer, referenceElu, runTraining, type TrainingRunOptions } from './run-training.ts';
import { SeedNetwork } from './seed-network.ts';
import { primeImageMoments } from './stem.ts';
import { train } from './train.ts';

/** A whole run in this thread: the options runTraining takes, less the functions. */
export interface RunJob {
  type: 'run';
  backend: string;
  options: Omit<TrainingRunOptions, 'layer' | 'out' | 'live'>;
}

export type TrainWorkerMessage =
  | { type: 'line'; line: string }
  | { type: 'evidence'; evidence: unknown }
  | { type: 'done' }
  | { type: 'error'; message: string };

const post = (m: TrainWorkerMessage) => parentPort!.postMessage(m);

/**
 * How this thread makes the layer: the reference ELU, or the file's export built as the check
 * builds it; and its number of inputs (each gets the activation).
 */
export async function layerMaker(spec: LayerSpec, seed: number): Promise<{ make: () => unknown; numInputs: number }> {
  if (spec.kind === 'reference') return { make: referenceElu, numInputs: 1 };
  const loaded = await loadLayerFile(spec.file, spec.exportName);
  const subject = LayerUnderTest.create(loaded.source, spec.inputSize, seed, spec.file, spec.exportName);
  return { make: () => subject.fresh(seed), numInputs: subject.numInputs };
}

async function helper(job: HelperJob): Promise<void> {
  const part = reducer(job.channel, job.rank);
  try {
    await useBackend(job.backend as 'wasm');
    const d = job.digits;
    primeImageMoments(d.trainImages, d.moments);
    const data: DigitSplit = {
      trainSize: d.trainSize,
      testSize: 0,
      splitSeed: d.splitSeed,
      trainImages: d.trainImages,
      trainLabels: d.trainLabels,
      testImages: new Float32Array(0),
      testLabels: new Int32Array(0),
      meanImage: new Float32Array(0),
      trainIndices: new Int32Array(0),
      testIndices: new Int32Array(0),
    };
    const { make, numInputs } = await layerMaker(job.layer, job.seed);
    const layer = buildLayer(make, job.seed, numInputs);
    const net = new SeedNetwork(layer, job.seed, numInputs);
    const learnables = net.learnables();
    if (learnables.length !== job.initial.length)
      throw new Error(`the layer here has ${learnables.length - 6} learnables, rank 0's has ${job.initial.length - 6}`);
    learnables.forEach((l, i) => l.variable.assign(tf.tensor(job.initial[i]!, l.variable.shape)));
    await train({
      network: net,
      data,
      seed: job.seed,
      epochs: job.epochs,
      device: '',
      live: false,
      parallel: { rank: job.rank, size: job.channel.size, allReduce: (v) => part.allReduce(v) },
      populationStatistics: false,
    });
    post({ type: 'done' });
  } catch (e) {
    part.fail();
    post({ type: 'error', message: (e as Error)?.message?.split('\n')[0] ?? String(e) });
  }
}

async function run(job: RunJob): Promise<void> {
  try {
    await useBackend(job.backend as 'wasm');
    const evidence = await runTraining({ ...job.options, out: (line) => post({ type: 'line', line }), live: false });
    post({ type: 'evidence', evidence });
  } catch (e) {
    post({ type: 'error', message: (e as Error)?.message?.split('\n')[0] ?? String(e) });
  }
}

parentPort!.once('message', (job: HelperJob | RunJob) => {
  void (job.type === 'helper' ? helper(job) : run(job));
});
