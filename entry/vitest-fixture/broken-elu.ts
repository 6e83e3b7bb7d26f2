/**
 * An ELU whose hand-written derivative for alpha forgets the "- 1" of exp(min(X, 0)) - 1, so
 * each channel's dL/dalpha is too large by the sum of dLdZ over that channel.
 * gradientsAreNumericallyCorrect (and backwardMatchesAutodiff) must catch it: the numeric
 * derivative of the forward disagrees with this backward for alpha.
 */
import type { BackwardResult } from 'check-layer';
import { tf, type Tensor } from '../../harness/tf.ts';
import { EluLayer } from '../../reference-layers/elu-layer.ts';

export class BrokenAlphaGradientElu extends EluLayer {
  static override className = 'BrokenAlphaGradientElu';

  override backward(X: Tensor, Z: Tensor, dLdZ: Tensor): BackwardResult {
    const right = super.backward(X, Z, dLdZ);
    return tf.tidy(() => {
      const axes = [...Array(X.rank - 1).keys()];
      // Wrong: exp(min(X, 0)) instead of exp(min(X, 0)) - 1.
      const dLdAlpha = tf.sum(tf.mul(tf.exp(tf.minimum(X, 0)), dLdZ), axes);
      tf.dispose(right.dLdLearnables);
      return { dLdX: right.dLdX, dLdLearnables: { alpha: dLdAlpha } };
    });
  }
}
tf.serialization.registerClass(BrokenAlphaGradientElu);

export default () => new BrokenAlphaGradientElu();
export const inputSize = [4, 4, 3];
