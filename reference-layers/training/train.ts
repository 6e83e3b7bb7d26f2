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
 * The layer under test is called with `layer.apply(x, { training: true })` inside
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
import { deriveSeed, makeRng } from '../../harness/random.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { NUM_CLASSES, permutation, type DigitSplit } from './digits.ts';
import { disposePatches, patchSource, stemStatistics, stemTrain, sumImageMoments, type Patches } from './stem.ts';
import { BN_MOMENTUM, LAYER_INPUT_SIZE, type SeedNetwork } from './seed-network.ts';
import { formatTableFooter, formatTableHeader, formatTableRow, type TableRow } from './progress-table.ts';

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

export interface TrainingSettings {
  epochs: number;
  miniBatchSize: number;
  iterationsPerEpoch: number;
  learningRate: number;
  momentum: number;
  l2Regularization: number;
  /** The learnables L2 regularization applied to. */
  l2AppliesTo: string[];
  shuffle: 'every-epoch';
  batchNormStatistics: 'population';
}

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
  const net = o.network;
  const data = o.data;
  const epochs = o.epochs ?? 30;
  const batch = Math.min(o.miniBatchSize ?? 128, data.trainSize);
  const lr = o.learningRate ?? 0.01;
  const momentum = o.momentum ?? 0.9;
  const l2 = o.l2Regularization ?? 1e-4;
  const every = o.verboseFrequency ?? 50;
  const out = o.out ?? (() => {});
  const live = o.live ?? (process.stderr.isTTY === true && !process.env['CI']);
  const perEpoch = Math.floor(data.trainSize / batch);
  const total = perEpoch * epochs;
  const learnables = net.learnables();
  const settings: TrainingSettings = {
    epochs,
    miniBatchSize: batch,
    iterationsPerEpoch: perEpoch,
    learningRate: lr,
    momentum,
    l2Regularization: l2,
    l2AppliesTo: learnables.filter((l) => l.l2).map((l) => l.name),
    shuffle: 'every-epoch',
    batchNormStatistics: 'population',
  };

  const velocity = learnables.map((l) => tf.tidy(() => tf.variable(tf.zerosLike(l.variable), false)));
  const vars = learnables.map((l) => l.variable);
  const source = patchSource(data.trainImages);

  /** sgdm: v <- momentum v - lr (g + l2 w), w <- w + v, for every learnable (inside a tidy). */
  const update = (grads: Tensor[]) => {
    learnables.forEach((l, i) => {
      const g = grads[i]!;
      const step = l.l2 && l2 ? tf.add(g, tf.mul(l.variable, l2)) : g;
      velocity[i]!.assign(tf.sub(tf.mul(velocity[i]!, momentum), tf.mul(step, lr)));
      l.variable.assign(tf.add(l.variable, velocity[i]!));
    });
  };

  const loss: number[] = [];
  const accuracy: number[] = [];
  const table: TableRow[] = [];
  const pending: Tensor[] = [];
  const random = makeRng(deriveSeed(o.seed, 'shuffle'));
  let stopped: string | undefined;
  let iteration = 0;
  let started = performance.now();
  let lastLive = 0;

  out(`Training on ${o.device}`);
  for (const line of formatTableHeader()) out(line);

  const flush = async (epoch: number) => {
    if (!pending.length) return;
    const stacked = tf.stack(pending);
    const values = await stacked.data();
    stacked.dispose();
    tf.dispose(pending.splice(0));
    for (let i = 0; i < values.length; i += 2) {
      loss.push(values[i]!);
      accuracy.push(values[i + 1]!);
    }
    const row: TableRow = {
      epoch,
      iteration: loss.length,
      seconds: (performance.now() - started) / 1000,
      loss: loss[loss.length - 1]!,
      accuracy: accuracy[accuracy.length - 1]!,
      learningRate: lr,
    };
    table.push(row);
    if (live) process.stderr.write('\r\x1b[K');
    out(formatTableRow(row));
    const bad = values.findIndex((v, i) => i % 2 === 0 && !Number.isFinite(v));
    if (bad >= 0)
      stopped = `training loss is ${values[bad]} at iteration ${loss.length - values.length / 2 + bad / 2 + 1}`;
  };

  /** Data-parallel: this worker's share of the mini-batch, the sums over every worker, the same update. */
  const parallelStep = async (part: DataParallelPart, idx: Int32Array): Promise<Tensor> => {
    const [lo, hi] = shareOf(idx.length, part.size, part.rank);
    const mine = idx.subarray(lo, hi);
    const share = mine.length / idx.length;
    const patches = source.patches(mine, idx);
    const labels = oneHot(data.trainLabels, mine);
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
      }, vars);
      const parts = [tf.reshape(value, [1]), tf.reshape(acc!, [1])];
      for (const l of learnables) parts.push(tf.reshape(grads[l.variable.name] ?? tf.zerosLike(l.variable), [-1]));
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
      let at = 2;
      update(
        learnables.map((l) => {
          const g = tf.tensor(sum.subarray(at, at + l.variable.size), l.variable.shape);
          at += l.variable.size;
          return g;
        }),
      );
      net.bnMean.assign(tf.add(tf.mul(net.bnMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)));
      net.bnVariance.assign(tf.add(tf.mul(net.bnVariance, BN_MOMENTUM), tf.mul(variance, 1 - BN_MOMENTUM)));
      return tf.tensor1d([sum[0]!, sum[1]!]);
    });
    tf.dispose([mean, variance]);
    return both;
  };

  try {
    if (o.parallel) {
      // Wait until every worker is ready, so the time is training time on all of them.
      await o.parallel.allReduce(new Float32Array(2 + learnables.reduce((n, l) => n + l.variable.size, 0)));
      started = performance.now();
    }
    for (let epoch = 1; epoch <= epochs && !stopped; epoch++) {
      const order = permutation(data.trainSize, random);
      for (let it = 0; it < perEpoch && !stopped; it++) {
        const idx = order.subarray(it * batch, (it + 1) * batch);
        if (o.parallel) {
          pending.push(await parallelStep(o.parallel, idx));
        } else {
          const patches = source.patches(idx);
          const labels = oneHot(data.trainLabels, idx);
          const stats = tf.tidy(() => {
            // Running statistics from the current weights, before the update (as MATLAB's forward pass).
            const { mean, variance } = stemStatistics(net.convWeights, net.convBias, patches);
            let acc: Tensor | null = null;
            const { value, grads } = tf.variableGrads(() => {
              const logits = forwardTrain(net, patches);
              acc = tf.keep(batchAccuracy(logits, labels));
              return tf.losses.softmaxCrossEntropy<Tensor, tf.Scalar>(labels, logits);
            }, vars);
            update(learnables.map((l) => grads[l.variable.name] ?? tf.zerosLike(l.variable)));
            net.bnMean.assign(tf.add(tf.mul(net.bnMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)));
            net.bnVariance.assign(tf.add(tf.mul(net.bnVariance, BN_MOMENTUM), tf.mul(variance, 1 - BN_MOMENTUM)));
            const both = tf.stack([value, acc!]);
            (acc as Tensor | null)?.dispose();
            return both;
          });
          disposePatches(patches);
          labels.dispose();
          pending.push(stats);
        }
        iteration++;
        if (iteration === 1 || iteration % every === 0 || iteration === total) await flush(epoch);
        if (live) {
          const now = performance.now();
          if (now - lastLive > 200 || iteration === total) {
            lastLive = now;
            const rate = (iteration * batch) / ((now - started) / 1000);
            process.stderr.write(
              `\r\x1b[Kepoch ${epoch}/${epochs}  iteration ${iteration}/${total}  ${Math.round(rate)} images/s`,
            );
          }
        }
      }
    }
    await flush(Math.min(epochs, Math.ceil(iteration / perEpoch)));
    const seconds = (performance.now() - started) / 1000;
    if (live) process.stderr.write('\r\x1b[K');
    out(formatTableFooter());
    if (stopped) out(`Training stopped: ${stopped}`);
    if (o.populationStatistics !== false) setPopulationStatistics(net, data);
    return {
      settings,
      iterations: loss.length,
      loss,
      accuracy,
      table,
      seconds,
      imagesPerSecond: (loss.length * batch) / seconds,
      stopped,
    };
  } finally {
    tf.dispose(pending);
    tf.dispose(velocity);
    source.dispose();
  }
}

/** Training-time logits [batch, 10]: fused stem, the layer under test on its own gradient path, fully connected. */
export function forwardTrain(net: SeedNetwork, patches: Patches): Tensor {
  const a = stemTrain(net, patches);
  const h = net.layer.apply(a, { training: true }) as Tensor;
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
