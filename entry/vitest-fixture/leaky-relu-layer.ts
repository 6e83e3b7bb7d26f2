/** A Form A layer (a plain tf.layers.Layer, no learnables, gradients by autodiff): correct, so nothing of it may fail. */
import { tf, type Tensor } from '../../harness/tf.ts';

export class LeakyReluLayer extends tf.layers.Layer {
  static className = 'FixtureLeakyReluLayer';

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => tf.leakyRelu(Array.isArray(inputs) ? inputs[0]! : inputs, 0.1));
  }
}
tf.serialization.registerClass(LeakyReluLayer);
