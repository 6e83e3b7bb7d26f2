/**
 * The convolution + batch normalization at the bottom of the seed network, fused for training.
 *
 * Both layers are linear in the image patches, so the whole block and its backward reduce to a
 * few products with the mini-batch's patch matrix P ([M, 25]: one row per output position, one
 * column per filter tap; M = N * 24 * 24):
 *
 *   forward   A1 = P W + b                           (the convolution, W as [25, 20])
 *             mean = pbar W + b,   pbar = colsum(P) / M
 *             var  = colsum(W o (G W)) / M - (pbar W)^2,   G = P'P  (25 x 25)
 *             A2 = s o (A1 - mean) + beta = P (W o s) + (beta - s o pbar W),   s = gamma / sqrt(var + eps)
 *   backward  H = P' dA2  (25 x 20), dbeta = colsum(dA2)
 *             dgamma = (colsum(W o H) - (pbar W) o dbeta) / sigma        since Ahat = (P W - pbar W) / sigma
 *             dW = s o (H - psum' dbeta / M - (G W - psum' (pbar W)) o dgamma / (M sigma))
 *                                                     = P' dA1 with the batch-norm dA1 written out
 *             db = 0 exactly: batch norm subtracts the batch mean, so the loss does not depend on b.
 *
 * One [M, 25] x [25, 20] product forward and one [25, M] x [M, 20] product backward replace the
 * convolution, two passes for the statistics, the normalisation passes and the filter gradient.
 * The results equal tf.conv2d followed by tf.moments and tf.batchNorm, differentiated by
 * TensorFlow.js, to float32 rounding (see stem.test.ts: 3e-6 relative on real digits). The
 * variance is computed from the patch Gram matrix as E[z^2] - mean^2; the images are zero-centred,
 * so a mini-batch's mean is about a tenth of its spread and the subtraction loses a few bits, not
 * the result.
 */
import { tf, type Tensor } from '../../harness/tf.ts';
import { BN_EPSILON, CONV_FILTERS, CONV_FILTER_SIZE } from './seed-network.ts';
import type { SeedNetwork } from './seed-network.ts';
import { cutPatches, PATCH_KERNEL, registerPatchKernel } from './patch-kernel.ts';

const K = CONV_FILTER_SIZE * CONV_FILTER_SIZE;
if (CONV_FILTER_SIZE !== 5) throw new Error('stem.ts cuts 5x5 patches (unrolled); CONV_FILTER_SIZE changed');
const SIDE = 28;
const OUT = SIDE - CONV_FILTER_SIZE + 1;

/** A mini-batch as the stem needs it. */
export interface Patches {
  batch: number;
  /** Rows of P: batch * 24 * 24. */
  rows: number;
  /**
   * Rows of the whole mini-batch that G, psum and the batch-norm statistics are over, when P is
   * one worker's share of it (data-parallel training, `data-parallel.ts`); default `rows`.
   */
  statRows?: number;
  /** [rows, 25]. */
  P: Tensor;
  /**
   * P transposed: [25, rows] (CPU backends: one product over all rows is fastest there), or per
   * image [batch, 25, 576] (GPU: a batched product parallelises, a 73,728-long dot product does not).
   */
  PT: Tensor;
  /** [25, 25], P'P. */
  G: Tensor;
  /** [1, 25], colsum(P). */
  psum: Tensor;
}

export function disposePatches(p: Patches): void {
  tf.dispose([p.P, p.PT, p.G, p.psum]);
}

/**
 * Where a training run gets its mini-batches' patches, by backend:
 * - wasm: the training images live on the wasm heap and a JavaScript kernel (`patch-kernel.ts`)
 *   cuts each batch's P and P' straight into its output buffers: about 7 ms a batch of 128,
 *   against about 25 ms for an identity-filter convolution and a transpose, and no 15 MB copy;
 * - webgpu: on the device (`patchesOnDevice`);
 * - cpu: cut in JavaScript and uploaded (`patchesFromImages`).
 * G and colsum(P) are sums of per-image values computed once per image set (float64), instead of
 * a [25, M] x [M, 25] product per batch.
 */
export interface PatchSource {
  /** P and P' of the images at `indices`; G, psum and statRows of those at `whole` (default `indices`). */
  patches(indices: Int32Array, whole?: Int32Array): Patches;
  dispose(): void;
}

export function patchSource(images: Float32Array): PatchSource {
  const backend = tf.getBackend();
  if (backend === 'cpu') return { patches: (idx, whole) => patchesFromImages(images, idx, whole), dispose: () => {} };
  const count = images.length / (SIDE * SIDE);
  const onDevice = tf.tensor4d(images, [count, SIDE, SIDE, 1]);
  if (backend === 'wasm') registerPatchKernel();
  return {
    patches: (idx, whole) =>
      backend === 'wasm'
        ? patchesByKernel(onDevice, images, idx, whole)
        : withStatistics(patchesOnDevice(onDevice, images, idx), images, whole),
    dispose: () => onDevice.dispose(),
  };
}

/** The same patches with G, psum and statRows of the whole mini-batch `whole` (when given). */
function withStatistics(p: Patches, images: Float32Array, whole?: Int32Array): Patches {
  if (!whole) return p;
  const { G, psum } = sumImageMoments(images, whole);
  tf.dispose([p.G, p.psum]);
  return {
    ...p,
    statRows: whole.length * OUT * OUT,
    G: tf.tensor2d(G, [K, K]),
    psum: tf.tensor2d(psum, [1, K]),
  };
}

function patchesByKernel(onDevice: Tensor, images: Float32Array, indices: Int32Array, whole?: Int32Array): Patches {
  const batch = indices.length;
  const { G, psum } = sumImageMoments(images, whole ?? indices);
  return tf.tidy(() => {
    const [P, PT] = tf
      .engine()
      .runKernel<Tensor[]>(PATCH_KERNEL, { images: onDevice, indices: tf.tensor1d(indices, 'int32') });
    return {
      batch,
      rows: batch * OUT * OUT,
      statRows: (whole ?? indices).length * OUT * OUT,
      P: P!,
      PT: PT!,
      G: tf.tensor2d(G, [K, K]),
      psum: tf.tensor2d(psum, [1, K]),
    };
  });
}

/** Patches of the images at `indices` of `images` ([count, 28, 28] zero-centred), cut in JavaScript and uploaded. */
export function patchesFromImages(
  images: Float32Array,
  indices: ArrayLike<number>,
  whole?: ArrayLike<number>,
): Patches {
  const batch = indices.length;
  const rows = batch * OUT * OUT;
  const [P, PT] = scratch(rows * K);
  cutPatches(images, indices, P, PT);
  const { G, psum } = sumImageMoments(images, whole ?? indices);
  return tf.tidy(() => ({
    batch,
    rows,
    statRows: (whole ?? indices).length * OUT * OUT,
    P: tf.tensor2d(P, [rows, K]),
    PT: tf.tensor2d(PT, [K, rows]),
    G: tf.tensor2d(G, [K, K]),
    psum: tf.tensor2d(psum, [1, K]),
  }));
}

/** Per image: its patch Gram matrix P_n'P_n (25 x 25) and patch sum (25), float64, computed once per image set. */
export interface ImageMoments {
  gram: Float64Array;
  sum: Float64Array;
}
const momentsCache = new WeakMap<Float32Array, ImageMoments>();

/** Gives `imageMoments(images)` moments computed elsewhere (another thread's, on shared memory). */
export function primeImageMoments(images: Float32Array, m: ImageMoments): void {
  momentsCache.set(images, m);
}

export function imageMoments(images: Float32Array): ImageMoments {
  let m = momentsCache.get(images);
  if (m) return m;
  const count = images.length / (SIDE * SIDE);
  m = { gram: new Float64Array(count * K * K), sum: new Float64Array(count * K) };
  const F = CONV_FILTER_SIZE;
  const W = SIDE + 1;
  // S: 2-D prefix sums (one row and column of zeros first) of x, then of x(i, j) * x(i + da, j + db).
  const S = new Float64Array(W * W);
  const windowSum = (i0: number, j0: number) =>
    S[(i0 + OUT) * W + j0 + OUT]! - S[i0 * W + j0 + OUT]! - S[(i0 + OUT) * W + j0]! + S[i0 * W + j0]!;
  for (let n = 0; n < count; n++) {
    const x = images.subarray(n * SIDE * SIDE, (n + 1) * SIDE * SIDE);
    const g = m.gram.subarray(n * K * K, (n + 1) * K * K);
    const s = m.sum.subarray(n * K, (n + 1) * K);
    prefixSums(S, (i, j) => x[i * SIDE + j]!);
    for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) s[a * F + b] = windowSum(a, b);
    // G[(a1, b1), (a2, b2)] = sum over the 24x24 window at (a1, b1) of x(i, j) * x(i + da, j + db),
    // with (da, db) = (a2 - a1, b2 - b1): one product image per offset, its window sums by prefix sums.
    for (let da = 0; da < F; da++) {
      for (let db = -(F - 1); db < F; db++) {
        if (da === 0 && db < 0) continue;
        prefixSums(S, (i, j) => {
          const i2 = i + da;
          const j2 = j + db;
          return i2 < SIDE && j2 >= 0 && j2 < SIDE ? x[i * SIDE + j]! * x[i2 * SIDE + j2]! : 0;
        });
        for (let a1 = 0; a1 + da < F; a1++) {
          for (let b1 = Math.max(0, -db); b1 < F && b1 + db < F; b1++) {
            const k1 = a1 * F + b1;
            const k2 = (a1 + da) * F + b1 + db;
            const v = windowSum(a1, b1);
            g[k1 * K + k2] = v;
            g[k2 * K + k1] = v;
          }
        }
      }
    }
  }
  momentsCache.set(images, m);
  return m;
}

/** S[(i + 1) * 29 + j + 1] = sum of f over rows < i + 1 and columns < j + 1 of a 28x28 image. */
function prefixSums(S: Float64Array, f: (i: number, j: number) => number): void {
  const W = SIDE + 1;
  for (let i = 0; i < SIDE; i++) {
    let row = 0;
    for (let j = 0; j < SIDE; j++) {
      row += f(i, j);
      S[(i + 1) * W + j + 1] = S[i * W + j + 1]! + row;
    }
  }
}

/** Sum of the per-image Gram matrices and patch sums over `indices`, as float32 for upload. */
export function sumImageMoments(
  images: Float32Array,
  indices: ArrayLike<number>,
): { G: Float32Array; psum: Float32Array } {
  const m = imageMoments(images);
  const G = new Float64Array(K * K);
  const psum = new Float64Array(K);
  for (let n = 0; n < indices.length; n++) {
    const i = indices[n]!;
    for (let k = 0; k < K * K; k++) G[k]! += m.gram[i * K * K + k]!;
    for (let k = 0; k < K; k++) psum[k]! += m.sum[i * K + k]!;
  }
  return { G: Float32Array.from(G), psum: Float32Array.from(psum) };
}

let scratchBuffers: [Float32Array, Float32Array] | null = null;
/** Two reused buffers: allocating 2 x 7 MB per mini-batch costs more than cutting the patches. */
function scratch(size: number): [Float32Array, Float32Array] {
  if (!scratchBuffers || scratchBuffers[0].length !== size)
    scratchBuffers = [new Float32Array(size), new Float32Array(size)];
  return scratchBuffers;
}

/**
 * The same patches cut on the device from images kept there ([count, 28, 28, 1], the same values
 * as `images`): a gather and an identity-filter convolution. G and colsum(P) come from the
 * per-image moments as on the CPU (a 2.6 KB upload). For webgpu.
 */
export function patchesOnDevice(deviceImages: Tensor, images: Float32Array, indices: Int32Array): Patches {
  const { G, psum } = sumImageMoments(images, indices);
  return tf.tidy(() => {
    const x = tf.gather(deviceImages, tf.tensor1d(indices, 'int32'));
    const batch = indices.length;
    const rows = batch * OUT * OUT;
    const identity = tf.reshape(tf.eye(K), [CONV_FILTER_SIZE, CONV_FILTER_SIZE, 1, K]);
    const P = tf.reshape(tf.conv2d(x as tf.Tensor4D, identity as tf.Tensor4D, 1, 'valid'), [rows, K]);
    const PT = tf.transpose(tf.reshape(P, [batch, OUT * OUT, K]), [0, 2, 1]);
    return { batch, rows, P, PT, G: tf.tensor2d(G, [K, K]), psum: tf.tensor2d(psum, [1, K]) };
  });
}

/** P'dA ([25, 20]) for dA [rows, 20]: one product, or per image and summed. */
function transposedProduct(p: Patches, dA: tf.Tensor2D): Tensor {
  if (p.PT.rank === 2) return tf.matMul(p.PT, dA);
  return tf.sum(tf.matMul(p.PT as tf.Tensor3D, tf.reshape<tf.Rank.R3>(dA, [p.batch, OUT * OUT, CONV_FILTERS])), 0);
}

/** Batch statistics of the convolution output (mean includes the bias), from the patches alone. */
export function stemStatistics(
  W: Tensor,
  b: Tensor,
  p: Pick<Patches, 'rows' | 'G' | 'psum'>,
): { mean: Tensor; variance: Tensor } {
  return tf.tidy(() => {
    const W2 = tf.reshape(W, [K, CONV_FILTERS]);
    const mu0 = tf.reshape(tf.matMul(p.psum as tf.Tensor2D, W2 as tf.Tensor2D), [CONV_FILTERS]);
    const ez2 = tf.sum(tf.mul(W2, tf.matMul(p.G as tf.Tensor2D, W2 as tf.Tensor2D)), 0);
    const mean0 = tf.div(mu0, p.rows);
    const variance = tf.relu(tf.sub(tf.div(ez2, p.rows), tf.square(mean0)));
    return { mean: tf.add(mean0, b), variance };
  });
}

/**
 * Training-time output of convolution + batch normalization, [batch, 24, 24, 20], differentiable
 * with respect to the network's conv weights and bias and batch-norm scale and offset (through
 * the fused backward above).
 */
export function stemTrain(net: SeedNetwork, p: Patches): Tensor {
  // M: rows the statistics are over (the whole mini-batch); P has p.rows of them (all, or a worker's share).
  const M = p.statRows ?? p.rows;
  const op = tf.customGrad(((W: Tensor, b: Tensor, gamma: Tensor, beta: Tensor, save: (t: Tensor[]) => void) => {
    const W2 = tf.reshape(W, [K, CONV_FILTERS]);
    const mu0 = tf.div(tf.matMul(p.psum as tf.Tensor2D, W2 as tf.Tensor2D), M); // [1, 20], pbar W
    const Q = tf.matMul(p.G, W2); // [25, 20], G W
    const variance = tf.relu(tf.sub(tf.div(tf.sum(tf.mul(W2, Q), 0, true), M), tf.square(mu0)));
    const sigma = tf.sqrt(tf.add(variance, BN_EPSILON)); // [1, 20]
    const s = tf.div(gamma, sigma);
    // The bias must be made rank 1, not reshaped to it: wasm's _FusedMatMul checks the rank of the
    // buffer's original shape, and a reshaped [1, 20] tensor shares a [1, 20] buffer.
    const shift = tf.sub(beta, tf.mul(tf.reshape(mu0, [CONV_FILTERS]), tf.reshape(s, [CONV_FILTERS])));
    const A2 = tf.fused.matMul({ a: p.P, b: tf.mul<tf.Tensor2D>(W2, s), bias: shift });
    save([W2, mu0, Q, sigma, s]);
    return {
      value: tf.reshape(A2, [p.batch, OUT, OUT, CONV_FILTERS]),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sW2, smu0, sQ, ssigma, ss] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
        const dA2 = tf.reshape<tf.Rank.R2>(dy, [p.rows, CONV_FILTERS]);
        const H = transposedProduct(p, dA2); // [25, 20]
        const dbeta = tf.matMul(ones(p.rows), dA2); // [1, 20]
        const dgamma = tf.div(tf.sub(tf.sum(tf.mul(sW2, H), 0, true), tf.mul(smu0, dbeta)), ssigma);
        const psumT = tf.reshape(p.psum, [K, 1]);
        const centred = tf.sub(sQ, tf.mul(psumT, smu0)); // P' (P W - pbar W): [25, 20]
        const dW = tf.mul(
          ss,
          tf.sub(tf.sub(H, tf.mul(psumT, tf.div(dbeta, M))), tf.mul(centred, tf.div(dgamma, tf.mul(ssigma, M)))),
        );
        return [
          tf.reshape(dW, W.shape),
          tf.zerosLike(b),
          tf.reshape(dgamma, gamma.shape),
          tf.reshape(dbeta, beta.shape),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(net.convWeights, net.convBias, net.bnScale, net.bnOffset);
}

/** A [1, n] row of ones: column sums as a product are ~8x faster than tf.sum on wasm. */
function ones(n: number): tf.Tensor2D {
  return tf.ones([1, n]);
}
