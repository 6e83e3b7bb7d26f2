/**
 * Trains the seed network with MATLAB's `trainingOptions('sgdm')` defaults: learning rate 0.01,
 * momentum 0.9, mini-batch 128, 30 epochs, L2 regularization 1e-4, shuffled every epoch (seeded),
 * the last partial mini-batch dropped (5,000 / 128: 39 iterations an epoch, 1,170 in 30).
 *
 * Update rule (MATLAB's sgdm): v <- momentum * v - learningRate * (dL/dw + l2 * w); w <- w + v.
 * L2 applies as MATLAB's default L2Factor does: to the convolution and fully connected weights,
 * to batch-norm scale and offset, and to every learnable of the layer under test (custom layers'
 * learnables have factor 1 in MATLAB); not to the convolution and fully connected biases.
 * The loss is the mean cross-entropy over the mini-batch (the L2 term is not in the reported loss).
 * After training, batch normalization gets the statistics of the whole training set, as
 * MATLAB's default ('BatchNormalizationStatistics', 'population') does.
 *
 * The layer under test is called as `tf.sequential`'s fit calls it, `layer.apply([x], { training: true })`
 * (`SeedNetwork.applyLayer`; several inputs: the activation at each, the first output), inside
 * `tf.variableGrads`, so its gradients come from its own path: a Form B layer's `backward` through
 * `tf.customGrad` in `CustomLayer.call`, a Form A layer's automatic differentiation or its own
 * `tf.customGrad`. The layers around it use hand-written fused backwards (`stem.ts` and the fully
 * connected layer below), which is where the speed comes from; nothing is read back from the
 * device except the loss and accuracy, in one read every 50 iterations.
 *
 * On the webgpu backend the same schedule runs in `webgpu/train-fused.ts`: the layers around the
 * layer under test and the update as a few WGSL programs (24 dispatches an iteration with the
 * reference ELU, 17 of them the ELU's own), unless `fusedKernels: false`.
 */
import type { TrainingSettingsEvidence } from '../../harness/evidence/index.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { NUM_CLASSES, type DigitSplit } from './digits.ts';
import {
  disposePatches,
  patchSource,
  stemStatistics,
  stemTrain,
  sumImageMoments,
  type Patches,
  type PatchSource,
} from './stem.ts';
import { BN_MOMENTUM, LAYER_INPUT_SIZE, type SeedNetwork } from './seed-network.ts';
import type { TableRow } from './progress-table.ts';
import { runSchedule, scheduleOf, TrainingLog } from './training-loop.ts';

export interface TrainOptions {
  network: SeedNetwork;
  data: DigitSplit;
  /** Seeds the shuffling. */
  seed: number;
  epochs?: number;
  miniBatchSize?: number;
  learningRate?: number;
  momentum?: number;
  l2Regularization?: number;
  /** Rows of the progress table every this many iterations (and the first and last). MATLAB: 50. */
  verboseFrequency?: number;
  /** Where it trains, for the first line: "CPU (wasm)", "WebGPU (NVIDIA H200)". */
  device: string;
  /** Receives the first line and the table, line by line (the caller prints them). */
  out?: (line: string) => void;
  /** A live progress line on stderr. Default: when stderr is a terminal and CI is not set. */
  live?: boolean;
  /** This thread's part in data-parallel training (`data-parallel.ts`); default: the whole mini-batch here. */
  parallel?: DataParallelPart;
  /** Batch norm gets the whole training set's statistics at the end (default true; a helper thread skips it). */
  populationStatistics?: boolean;
  /**
   * On the webgpu backend: the layers around the layer under test as a few fused WGSL programs
   * (`webgpu/train-fused.ts`, default), or TensorFlow.js ops throughout (false).
   */
  fusedKernels?: boolean;
}

/**
 * One worker's part in a synchronous data-parallel step: it runs the images [lo, hi) of every
 * mini-batch (`shareOf`), with the batch-norm statistics of the whole mini-batch (every worker
 * computes them from the same per-image moments), and the workers' loss, accuracy and gradients
 * are summed before every update, so every worker makes the same update from the same sums.
 * Because batch normalization's backward (`stem.ts`) is linear in the sums P'dA and colsum(dA),
 * summing the workers' gradients is the all-reduce of those backward sums.
 */
export interface DataParallelPart {
  rank: number;
  size: number;
  /** Sums `v` over every worker, in rank order: the same float32 values on every worker. */
  allReduce(v: Float32Array): Promise<Float32Array>;
}

/** Worker `rank`'s images of a mini-batch of `batch`: [lo, hi), the first `batch % size` workers one more. */
export function shareOf(batch: number, size: number, rank: number): [number, number] {
  const base = Math.floor(batch / size);
  const extra = batch % size;
  const lo = rank * base + Math.min(rank, extra);
  return [lo, lo + base + (rank < extra ? 1 : 0)];
}

/** The sgdm settings a run trained with, as its evidence records them. */
export type TrainingSettings = TrainingSettingsEvidence;

export interface TrainResult {
  settings: TrainingSettings;
  /** Iterations run (fewer than planned when training stopped on a non-finite loss). */
  iterations: number;
  /** Mini-batch loss and accuracy (fraction) at every iteration. */
  loss: number[];
  accuracy: number[];
  table: TableRow[];
  /** Seconds in the training loop (setup, population statistics and evaluation excluded). */
  seconds: number;
  imagesPerSecond: number;
  /** Why training stopped early, when it did (MATLAB stops when the loss is NaN). */
  stopped?: string;
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  if (tf.getBackend() === 'webgpu' && o.fusedKernels !== false && !o.parallel)
    return (await import('./webgpu/train-fused.ts')).trainFused(o);
  const schedule = scheduleOf(o, o.network);
  const log = new TrainingLog(schedule, o.device);
  const ctx: StepContext = {
    net: o.network,
    data: o.data,
    source: patchSource(o.data.trainImages),
    sgdm: new Sgdm(o.network, schedule.settings),
  };
  const pending: Tensor[] = [];
  try {
    if (o.parallel) {
      // Wait until every worker is ready, so the time is training time on all of them.
      await o.parallel.allReduce(new Float32Array(2 + ctx.sgdm.parameterCount));
      log.restartClock();
    }
    const part = o.parallel;
    await runSchedule(
      schedule,
      o.seed,
      o.data.trainSize,
      log,
      async (idx) => void pending.push(part ? await parallelStep(ctx, part, idx) : serialStep(ctx, idx)),
      (epoch) => flushLossAndAccuracy(pending, log, epoch),
    );
    const result = log.finish();
    if (o.populationStatistics !== false) setPopulationStatistics(o.network, o.data);
    return result;
  } finally {
    tf.dispose(pending);
    ctx.sgdm.dispose();
    ctx.source.dispose();
  }
}

/** What one iteration needs: the network, the digits, their patches, the optimizer. */
interface StepContext {
  net: SeedNetwork;
  data: DigitSplit;
  source: PatchSource;
  sgdm: Sgdm;
}

/** sgdm: v <- momentum v - lr (g + l2 w), w <- w + v, for every learnable (call inside a tidy). */
class Sgdm {
  private readonly learnables: ReturnType<SeedNetwork['learnables']>;
  private readonly velocity: tf.Variable[];
  readonly variables: tf.Variable[];

  constructor(
    net: SeedNetwork,
    private readonly settings: TrainingSettings,
  ) {
    this.learnables = net.learnables();
    this.velocity = this.learnables.map((l) => tf.tidy(() => tf.variable(tf.zerosLike(l.variable), false)));
    this.variables = this.learnables.map((l) => l.variable);
  }

  /** Gradients flattened one after the other, with loss and accuracy first: the data-parallel sum's length. */
  get parameterCount(): number {
    return this.learnables.reduce((n, l) => n + l.variable.size, 0);
  }

  /** The gradients of `tf.variableGrads` in the learnables' order (zeros where one has none). */
  gradientsOf(grads: Record<string, Tensor>): Tensor[] {
    return this.learnables.map((l) => grads[l.variable.name] ?? tf.zerosLike(l.variable));
  }

  /** Gradients from a flat sum laid out as `gradientsOf` flattened, starting at `at`. */
  gradientsFrom(sum: Float32Array, at: number): Tensor[] {
    return this.learnables.map((l) => {
      const g = tf.tensor(sum.subarray(at, at + l.variable.size), l.variable.shape);
      at += l.variable.size;
      return g;
    });
  }

  update(grads: Tensor[]): void {
    const { learningRate: lr, momentum, l2Regularization: l2 } = this.settings;
    this.learnables.forEach((l, i) => {
      const g = grads[i]!;
      const v = this.velocity[i]!;
      const step = l.l2 && l2 ? tf.add(g, tf.mul(l.variable, l2)) : g;
      v.assign(tf.sub(tf.mul(v, momentum), tf.mul(step, lr)));
      l.variable.assign(tf.add(l.variable, v));
    });
  }

  dispose(): void {
    tf.dispose(this.velocity);
  }
}

/** Batch norm's running statistics moved toward this mini-batch's (MATLAB's forward pass). */
function updateRunningStatistics(net: SeedNetwork, mean: Tensor, variance: Tensor): void {
  net.bnMean.assign(tf.add(tf.mul(net.bnMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)));
  net.bnVariance.assign(tf.add(tf.mul(net.bnVariance, BN_MOMENTUM), tf.mul(variance, 1 - BN_MOMENTUM)));
}

/** One whole mini-batch here: forward, backward, update; [loss, accuracy] left on the device. */
function serialStep(ctx: StepContext, idx: Int32Array): Tensor {
  const { net, sgdm } = ctx;
  const patches = ctx.source.patches(idx);
  const labels = oneHot(ctx.data.trainLabels, idx);
  try {
    return tf.tidy(() => {
      // Running statistics from the current weights, before the update (as MATLAB's forward pass).
      const { mean, variance } = stemStatistics(net.convWeights, net.convBias, patches);
      let acc: Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const logits = forwardTrain(net, patches);
        acc = tf.keep(batchAccuracy(logits, labels));
        return tf.losses.softmaxCrossEntropy<Tensor, tf.Scalar>(labels, logits);
      }, sgdm.variables);
      sgdm.update(sgdm.gradientsOf(grads));
      updateRunningStatistics(net, mean, variance);
      const both = tf.stack([value, acc!]);
      (acc as Tensor | null)?.dispose();
      return both;
    });
  } finally {
    disposePatches(patches);
    labels.dispose();
  }
}

/** Data-parallel: this worker's share of the mini-batch, the sums over every worker, the same update. */
async function parallelStep(ctx: StepContext, part: DataParallelPart, idx: Int32Array): Promise<Tensor> {
  const { net, sgdm } = ctx;
  const [lo, hi] = shareOf(idx.length, part.size, part.rank);
  const mine = idx.subarray(lo, hi);
  const share = mine.length / idx.length;
  const patches = ctx.source.patches(mine, idx);
  const labels = oneHot(ctx.data.trainLabels, mine);
  // [loss, accuracy, every gradient flattened]: this worker's part of the whole mini-batch's sums.
  const { local, mean, variance } = tf.tidy(() => {
    // Running statistics from the current weights and the whole mini-batch, before the update.
    const statistics = stemStatistics(net.convWeights, net.convBias, {
      rows: patches.statRows ?? patches.rows,
      G: patches.G,
      psum: patches.psum,
    });
    let acc: Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const logits = forwardTrain(net, patches);
      acc = tf.keep(tf.mul(batchAccuracy(logits, labels), share));
      return tf.mul<tf.Scalar>(tf.losses.softmaxCrossEntropy(labels, logits), share);
    }, sgdm.variables);
    const parts = [tf.reshape(value, [1]), tf.reshape(acc!, [1])];
    for (const g of sgdm.gradientsOf(grads)) parts.push(tf.reshape(g, [-1]));
    const flat = tf.concat(parts);
    (acc as Tensor | null)?.dispose();
    return { local: flat, ...statistics };
  });
  disposePatches(patches);
  labels.dispose();
  const values = (await local.data()) as Float32Array;
  local.dispose();
  const sum = await part.allReduce(values);
  const both = tf.tidy(() => {
    sgdm.update(sgdm.gradientsFrom(sum, 2));
    updateRunningStatistics(net, mean, variance);
    return tf.tensor1d([sum[0]!, sum[1]!]);
  });
  tf.dispose([mean, variance]);
  return both;
}

/** Reads back the [loss, accuracy] pairs of the iterations since the last flush, in one read. */
async function flushLossAndAccuracy(pending: Tensor[], log: TrainingLog, epoch: number): Promise<void> {
  if (!pending.length) return;
  const stacked = tf.stack(pending);
  const values = await stacked.data();
  stacked.dispose();
  tf.dispose(pending.splice(0));
  const loss: number[] = [];
  const accuracy: number[] = [];
  for (let i = 0; i < values.length; i += 2) {
    loss.push(values[i]!);
    accuracy.push(values[i + 1]!);
  }
  log.record(epoch, loss, accuracy);
}

/** Training-time logits [batch, 10]: fused stem, the layer under test on its own gradient path, fully connected. */
export function forwardTrain(net: SeedNetwork, patches: Patches): Tensor {
  const a = stemTrain(net, patches);
  const h = net.applyLayer(a, true);
  return fullyConnectedTrain(tf.reshape(h, [patches.batch, net.features]), net.fcWeights, net.fcBias);
}

/**
 * logits = h W + b with a hand-written backward that avoids wasm's slow transposed products
 * (matMul with transposeA or transposeB runs ~10x slower than on explicitly transposed operands):
 *   dh = dy W',  dW = h' dy,  db = colsum(dy).
 * wasm multiplies with XNNPACK only without transpose flags (else a naive loop, ~10x slower), and
 * packs the right operand on first use of each new tensor (cached by tensor): a new [128, 11520]
 * right operand costs ~20 ms to pack, so the big operand goes on the left, transposed explicitly
 * (~10 ms), and the small dy [128, 10] on the right.
 */
function fullyConnectedTrain(h: Tensor, W: Tensor, b: Tensor): Tensor {
  const op = tf.customGrad(((h: Tensor, W: Tensor, b: Tensor, save: (t: Tensor[]) => void) => {
    save([h, W]);
    return {
      value: tf.fused.matMul({ a: h, b: W, bias: b }),
      gradFunc: (dy: Tensor, [sh, sW]: Tensor[]) => [
        tf.matMul(dy, tf.transpose(sW!)),
        tf.matMul(tf.transpose(sh!), dy),
        tf.sum(dy, 0),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(h, W, b);
}

function batchAccuracy(logits: Tensor, labels: Tensor): Tensor {
  return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1)), 'float32'));
}

function oneHot(labels: Int32Array, idx: ArrayLike<number>): Tensor {
  const v = new Float32Array(idx.length * NUM_CLASSES);
  for (let n = 0; n < idx.length; n++) v[n * NUM_CLASSES + labels[idx[n]!]!] = 1;
  return tf.tensor2d(v, [idx.length, NUM_CLASSES]);
}

/** Batch norm's mean and variance over the whole training set, for the final weights (exact, from the per-image patch moments). */
export function setPopulationStatistics(net: SeedNetwork, data: DigitSplit): void {
  const all = Int32Array.from({ length: data.trainSize }, (_, i) => i);
  const { G, psum } = sumImageMoments(data.trainImages, all);
  tf.tidy(() => {
    const rows = data.trainSize * LAYER_INPUT_SIZE[0] * LAYER_INPUT_SIZE[1];
    const { mean, variance } = stemStatistics(net.convWeights, net.convBias, {
      rows,
      G: tf.tensor2d(G, [25, 25]),
      psum: tf.tensor2d(psum, [1, 25]),
    });
    net.bnMean.assign(mean);
    net.bnVariance.assign(variance);
  });
}
