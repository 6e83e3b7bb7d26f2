/**
 * Data-parallel training on the CPU: the thread that trains (rank 0) and `size - 1` helper
 * threads (`train-worker.ts`), each with its own TensorFlow.js and wasm backend and its own copy
 * of the network, run one synchronous step per mini-batch: every worker takes its share of the
 * 128 images, the loss, accuracy and gradients are summed over the workers (`all-reduce.ts`), and
 * every worker applies the same sgdm update to its copy. Batch-norm statistics are the whole
 * mini-batch's (every worker sums the same per-image moments), so the step is the one-thread
 * step up to the order of float32 additions (see `DataParallelPart` in train.ts).
 *
 * Only layers whose training-time output and gradients treat each observation on its own can be
 * split this way (`splitsAcrossWorkers`); a layer that mixes observations (its own batch
 * statistics), draws random numbers (dropout), or cannot be made in another thread (a layer
 * object from a user's code rather than a file) trains on one thread.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { InputSize } from '../../harness/options.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { makeReduceChannel, reducer, ReduceFailedError, type ReduceChannel } from './all-reduce.ts';
import type { DigitSplit } from './digits.ts';
import { imageMoments, type ImageMoments } from './stem.ts';
import { applyToActivation, LAYER_INPUT_SIZE, type SeedNetwork } from './seed-network.ts';
import type { DataParallelPart } from './train.ts';

/** Most worker threads a training run uses (beyond 8 the per-step sums cost more than a share saves). */
export const MAX_WORKERS = 8;

/** The default number of training workers: the cores here, at most MAX_WORKERS. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
}

/** How another thread makes the same layer under test. */
export type LayerSpec =
  { kind: 'reference' } | { kind: 'file'; file: string; exportName: string; inputSize: InputSize };

/** What a helper thread is sent to train its share. */
export interface HelperJob {
  type: 'helper';
  rank: number;
  channel: ReduceChannel;
  layer: LayerSpec;
  seed: number;
  epochs: number;
  backend: string;
  digits: SharedDigits;
  /** Every learnable's starting value, in `SeedNetwork.learnables()` order (so every copy starts the same). */
  initial: Float32Array[];
}

/** The training images, labels and per-image moments on shared memory (not copied per worker). */
export interface SharedDigits {
  trainSize: number;
  splitSeed: number;
  trainImages: Float32Array;
  trainLabels: Int32Array;
  moments: ImageMoments;
}

const WORKER_URL = new URL('./train-worker-entry.mjs', import.meta.url);

const sharedCache = new WeakMap<DigitSplit, SharedDigits>();

function onShared<T extends Float32Array | Int32Array | Float64Array>(a: T): T {
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const copy = new Ctor(new SharedArrayBuffer(a.byteLength));
  (copy as Float64Array).set(a);
  return copy;
}

export function shareDigits(data: DigitSplit): SharedDigits {
  let s = sharedCache.get(data);
  if (!s) {
    const m = imageMoments(data.trainImages);
    s = {
      trainSize: data.trainSize,
      splitSeed: data.splitSeed,
      trainImages: onShared(data.trainImages),
      trainLabels: onShared(data.trainLabels),
      moments: { gram: onShared(m.gram), sum: onShared(m.sum) },
    };
    sharedCache.set(data, s);
  }
  return s;
}

/** The helper threads of one data-parallel run, and rank 0's part. */
export interface Helpers {
  part: DataParallelPart;
  /** Resolves when every helper has finished its last step; rejects with a helper's error. */
  finished: Promise<void>;
  /** The first error a helper reported, if any. */
  error(): Error | undefined;
  /** Marks the run failed (so waiting helpers stop) and ends the threads. */
  stop(): Promise<void>;
}

export function startHelpers(args: {
  size: number;
  net: SeedNetwork;
  layer: LayerSpec;
  seed: number;
  epochs: number;
  data: DigitSplit;
}): Helpers {
  const learnables = args.net.learnables();
  const length = 2 + learnables.reduce((n, l) => n + l.variable.size, 0);
  const channel = makeReduceChannel(args.size, length);
  const mine = reducer(channel, 0);
  const initial = learnables.map((l) => l.variable.dataSync() as Float32Array);
  const digits = shareDigits(args.data);
  let firstError: Error | undefined;
  const workers: Worker[] = [];
  const done: Promise<void>[] = [];
  for (let rank = 1; rank < args.size; rank++) {
    const w = new Worker(WORKER_URL);
    workers.push(w);
    const job: HelperJob = {
      type: 'helper',
      rank,
      channel,
      layer: args.layer,
      seed: args.seed,
      epochs: args.epochs,
      backend: tf.getBackend(),
      digits,
      initial,
    };
    done.push(
      helperEnded(w, rank, (e) => {
        firstError ??= e;
        mine.fail();
      }),
    );
    w.postMessage(job);
  }
  const finished = Promise.all(done).then(() => undefined);
  finished.catch(() => {});
  return {
    part: { rank: 0, size: args.size, allReduce: (v) => mine.allReduce(v) },
    finished,
    error: () => firstError,
    async stop() {
      mine.fail();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Resolves when helper `rank` is done; on its error, crash or failing exit calls `failed` first, then rejects. */
function helperEnded(w: Worker, rank: number, failed: (e: Error) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      failed(e);
      reject(e);
    };
    w.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'done') resolve();
      if (m.type === 'error') fail(new Error(`training worker ${rank}: ${m.message}`));
    });
    w.on('error', (e) => fail(new Error(`training worker ${rank} crashed: ${e.message}`)));
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`training worker ${rank} exited with code ${code}`));
      resolve();
    });
  });
}

/** A helper's error takes the place of rank 0's "another worker failed". */
export function rootCause(e: unknown, helpers: Helpers | undefined): unknown {
  return e instanceof ReduceFailedError && helpers?.error() ? helpers.error() : e;
}

/**
 * Why a layer cannot be split across workers, or null when it can: its training-time output,
 * input gradient and learnable gradients for 4 observations must equal those of 2 and 2 (the
 * learnables' summed), within 1e-4 of the largest value. Run on a separate instance of the layer,
 * so nothing it keeps (running statistics) changes the instance that trains. Several inputs: the
 * activation at each (`applyToActivation`), as in training.
 */
export function splitsAcrossWorkers(layer: tf.layers.Layer, numInputs = 1): string | null {
  const kept: Tensor[] = [];
  tf.engine().startScope();
  try {
    {
      const X = tf.randomNormal([4, ...LAYER_INPUT_SIZE], 0, 1, 'float32', 7);
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      // Upstream gradient: one random tensor for the whole batch, its slices for the parts.
      let R: Tensor | null = null;
      const run = (x: Tensor, offset: number) => {
        const xv = tf.variable(x, true);
        let out: Tensor | null = null;
        const { grads } = tf.variableGrads(() => {
          const o = applyToActivation(layer, xv, { training: true }, numInputs);
          out = tf.keep(o);
          kept.push(o);
          if (!R) kept.push((R = tf.keep(tf.randomUniform(o.shape, 0.5, 1.5, 'float32', 11))));
          return tf.sum<tf.Scalar>(tf.mul(o, tf.slice(R, [offset], [x.shape[0]])));
        }, [xv, ...vars]);
        const r = { out: out!, dX: grads[xv.name]!, dW: vars.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
        xv.dispose();
        return r;
      };
      const whole = run(X, 0);
      const a = run(tf.slice(X, [0], [2]), 0);
      const b = run(tf.slice(X, [2], [2]), 2);
      const far = (p: Tensor, q: Tensor) => {
        const scale = tf.max(tf.abs(p)).dataSync()[0]!;
        const d = tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]!;
        return !(d <= 1e-4 * Math.max(scale, 1e-30));
      };
      if (far(whole.out, tf.concat([a.out, b.out])))
        return 'its training-time output for a batch is not its outputs for parts of it';
      if (far(whole.dX, tf.concat([a.dX, b.dX])))
        return 'its input gradient for a batch is not its gradients for parts of it';
      if (whole.dW.some((g, i) => far(g, tf.add(a.dW[i]!, b.dW[i]!))))
        return "its learnables' gradients for a batch are not the sums of those for parts of it";
      return null;
    }
  } catch (e) {
    return `applying it to parts of a batch threw: ${(e as Error)?.message?.split('\n')[0] ?? String(e)}`;
  } finally {
    tf.engine().endScope();
    tf.dispose(kept);
  }
}
