/**
 * The reference batch normalization in Form B (its own backward), as MATLAB's
 * batchNormalizationLayer. Per channel c (the last axis), over the M = N*H*W values of a batch
 * (M = N for rank-2 input):
 *
 *   mu = mean(X),  var = mean((X - mu)^2)  (biased),  invStd = 1 / sqrt(var + epsilon)
 *   xhat = (X - mu) * invStd,  Z = scale * xhat + offset
 *
 * Training (`forward`) uses the batch statistics and moves the running ones towards them:
 * running = momentum * running + (1 - momentum) * batch. Prediction uses the running statistics.
 * The math is in plain functions (tensors in, tensors out) that the class calls and a
 * hand-written training loop may call directly: one implementation for both.
 */
import { CustomLayer, type BackwardResult, type CustomLayerArgs, type ForwardResult } from '../harness/custom-layer.ts';
import { tf, type Shape, type Tensor } from '../harness/tf.ts';

/** Every axis but the channel axis (the last). */
const batchAxes = (X: Tensor): number[] => [...Array(X.rank - 1).keys()];

/** Prediction: normalise with given (running) statistics. */
export function batchNormPredict(
  X: Tensor,
  scale: Tensor,
  offset: Tensor,
  mean: Tensor,
  variance: Tensor,
  epsilon: number,
): Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.mul(tf.sub(X, mean), tf.rsqrt(tf.add(variance, epsilon))), scale), offset));
}

export interface BatchNormForward {
  Z: Tensor;
  /** (X - mean) * invStd, kept for the backward. */
  xhat: Tensor;
  /** 1 / sqrt(variance + epsilon), per channel. */
  invStd: Tensor;
  /** Batch mean and biased batch variance, per channel (for the running statistics). */
  mean: Tensor;
  variance: Tensor;
}

/** Training: normalise with the batch's own statistics over every axis but the last. */
export function batchNormForward(X: Tensor, scale: Tensor, offset: Tensor, epsilon: number): BatchNormForward {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(X, batchAxes(X));
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(X, mean), invStd);
    const Z = tf.add(tf.mul(xhat, scale), offset);
    return { Z, xhat, invStd, mean, variance };
  });
}

export interface BatchNormGradients {
  dLdX: Tensor;
  dLdScale: Tensor;
  dLdOffset: Tensor;
}

/**
 * Derivatives of L through the training-time normalisation, given dL/dZ, sums over the M
 * values of each channel:
 *
 * - dL/doffset = sum(dLdZ)                 (Z = scale * xhat + offset)
 * - dL/dscale  = sum(dLdZ * xhat)
 * - dL/dX = scale * invStd / M * (M * dLdZ - sum(dLdZ) - xhat * sum(dLdZ * xhat)): with
 *   g = scale * dLdZ, dxhat/dX carries three paths, directly (invStd), through the mean
 *   (-invStd / M, summed: -sum(g)) and through the variance (d invStd/d var = -invStd^3 / 2,
 *   dvar/dX = 2 (X - mu) / M, giving -xhat * sum(g * xhat) / M); the two sums are the two above.
 */
export function batchNormBackward(dLdZ: Tensor, xhat: Tensor, invStd: Tensor, scale: Tensor): BatchNormGradients {
  return tf.tidy(() => {
    const axes = batchAxes(dLdZ);
    const M = axes.reduce((m, a) => m * dLdZ.shape[a]!, 1);
    const dLdOffset = tf.sum(dLdZ, axes);
    const dLdScale = tf.sum(tf.mul(dLdZ, xhat), axes);
    const inner = tf.sub(tf.sub(tf.mul(dLdZ, M), dLdOffset), tf.mul(xhat, dLdScale));
    const dLdX = tf.mul(tf.mul(scale, tf.div(invStd, M)), inner);
    return { dLdX, dLdScale, dLdOffset };
  });
}

export interface BatchNormLayerArgs extends CustomLayerArgs {
  /** Added to the variance before the square root (default 1e-5, as MATLAB). */
  epsilon?: number;
  /** Running statistics: running = momentum * running + (1 - momentum) * batch (default 0.9). */
  momentum?: number;
  /** Number of channels (the last axis); inferred from the input when omitted. */
  numChannels?: number;
}

export class BatchNormLayer extends CustomLayer {
  static override className = 'BatchNormLayer';
  readonly epsilon: number;
  readonly momentum: number;
  numChannels: number | undefined;

  constructor(args: BatchNormLayerArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    this.momentum = args.momentum ?? 0.9;
    this.numChannels = args.numChannels ?? undefined; // null from a round-tripped config
    if (!(this.epsilon > 0)) throw new Error(`BatchNormLayer: epsilon must be positive, got ${args.epsilon}`);
    if (!(this.momentum >= 0 && this.momentum <= 1))
      throw new Error(`BatchNormLayer: momentum must be in [0, 1], got ${args.momentum}`);
    this.type = 'Batch Normalization';
    this.describe();
  }

  private describe(): void {
    this.description = `Batch normalization with ${this.numChannels ?? 'N'} channels`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.numChannels ??= s[s.length - 1]!;
    this.describe();
    const C = this.numChannels;
    this.addLearnable('scale', [C], 'ones');
    this.addLearnable('offset', [C], 'zeros');
    this.addState('runningMean', [C], 'zeros');
    this.addState('runningVariance', [C], 'ones');
    this.built = true;
  }

  predict(X: Tensor): Tensor {
    const { scale, offset } = this.learnables;
    const { runningMean, runningVariance } = this.state;
    return batchNormPredict(X, scale!, offset!, runningMean!, runningVariance!, this.epsilon);
  }

  override forward(X: Tensor): ForwardResult {
    const { scale, offset } = this.learnables;
    const r = batchNormForward(X, scale!, offset!, this.epsilon);
    tf.tidy(() => {
      const { runningMean, runningVariance } = this.state;
      const m = this.momentum;
      this.setState('runningMean', tf.add(tf.mul(runningMean!, m), tf.mul(r.mean, 1 - m)));
      this.setState('runningVariance', tf.add(tf.mul(runningVariance!, m), tf.mul(r.variance, 1 - m)));
    });
    tf.dispose([r.mean, r.variance]);
    return { Z: r.Z, memory: [r.xhat, r.invStd] };
  }

  override backward(_X: Tensor, _Z: Tensor, dLdZ: Tensor, memory: Tensor | Tensor[] | undefined): BackwardResult {
    const [xhat, invStd] = memory as Tensor[];
    const g = batchNormBackward(dLdZ, xhat!, invStd!, this.learnables['scale']!);
    return { dLdX: g.dLdX, dLdLearnables: { scale: g.dLdScale, offset: g.dLdOffset } };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      momentum: this.momentum,
      numChannels: this.numChannels ?? null,
    };
  }
}
tf.serialization.registerClass(BatchNormLayer);

/** The default export `check-layer` loads: batch normalization over a 6x6x4 input. */
export default () => new BatchNormLayer();
export const inputSize = [6, 6, 4];
