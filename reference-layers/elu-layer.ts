/**
 * The seed's ELU layer with one learnable alpha per channel, in Form B (its own backward).
 *
 *   Z = X                          where X > 0
 *   Z = alpha * (exp(min(X, 0)) - 1) where X <= 0     (min keeps exp from overflowing for large X)
 */
import { CustomLayer, type BackwardResult, type CustomLayerArgs } from '../harness/custom-layer.ts';
import { tf, type Shape, type Tensor } from '../harness/tf.ts';

export interface EluLayerArgs extends CustomLayerArgs {
  /** Number of channels (the last axis). Inferred from the input when omitted. */
  numChannels?: number;
}

export class EluLayer extends CustomLayer {
  static override className = 'EluLayer';
  numChannels: number | undefined;

  constructor(args: EluLayerArgs = {}) {
    super(args);
    this.numChannels = args.numChannels;
    this.type = 'Exponential Linear Unit';
    this.describe();
  }

  private describe(): void {
    this.description = `Exponential linear unit with ${this.numChannels ?? 'N'} channels`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.numChannels ??= s[s.length - 1]!;
    this.describe();
    // One alpha per channel, uniform in [0, 1) as in the seed.
    this.addLearnable('alpha', [this.numChannels], { uniform: [0, 1] });
    this.built = true;
  }

  predict(X: Tensor): Tensor {
    return tf.tidy(() => this.outputFrom(X, negativePart(X)));
  }

  /** Training time: the same output, and exp(min(X, 0)) - 1 kept as memory for backward. */
  override forward(X: Tensor): { Z: Tensor; memory: Tensor } {
    const E = negativePart(X);
    const Z = tf.tidy(() => this.outputFrom(X, E));
    return { Z, memory: E };
  }

  /** Z = relu(X) + alpha * E: relu(X) is X where X > 0, and E = exp(min(X, 0)) - 1 is 0 there. */
  private outputFrom(X: Tensor, E: Tensor): Tensor {
    const { alpha } = this.learnables;
    return tf.add(tf.relu(X), tf.mul(alpha!, E));
  }

  override backward(X: Tensor, Z: Tensor, dLdZ: Tensor, memory?: Tensor | Tensor[]): BackwardResult {
    return tf.tidy(() => {
      const { alpha } = this.learnables;
      // For X <= 0, dZ/dX = alpha * exp(X) = alpha + Z (since Z = alpha * exp(X) - alpha).
      const positive = tf.step(X, 0);
      const nonPositive = tf.sub(1, positive);
      const dLdX = tf.mul(dLdZ, tf.add(positive, tf.mul(tf.add(alpha!, Z), nonPositive)));
      // dZ/dalpha = exp(min(X, 0)) - 1 (forward's memory), zero for X > 0; summed over
      // observations, rows and columns.
      const dZdAlpha = memory instanceof tf.Tensor ? memory : negativePart(X);
      const axes = [...Array(X.rank - 1).keys()];
      const dLdAlpha = tf.sum(tf.mul(dZdAlpha, dLdZ), axes);
      return { dLdX, dLdLearnables: { alpha: dLdAlpha } };
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numChannels: this.numChannels ?? null };
  }
}
tf.serialization.registerClass(EluLayer);

/**
 * exp(min(X, 0)) - 1: the negative side of the ELU before alpha; min keeps exp from overflowing.
 * min(X, 0) is computed as -relu(-X), the same value for every input, Infinity included (on the
 * wasm backend `minimum` with a scalar takes about 31 ms for 128x24x24x20 values, the three
 * passes of -relu(-X) about 10 ms).
 */
function negativePart(X: Tensor): Tensor {
  return tf.tidy(() => tf.sub(tf.exp(tf.neg(tf.relu(tf.neg(X)))), 1));
}

/** The default export `check-layer` loads: an ELU layer (channels inferred from the input). */
export default () => new EluLayer();
export const inputSize = [8, 8, 20];
