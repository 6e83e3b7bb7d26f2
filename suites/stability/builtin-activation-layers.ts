/**
 * TensorFlow.js's own activations as layers (Form A), for the tests: the stability suite must
 * pass every one of them. tfjs-layers' built-in layers where they exist; logSigmoid, which has
 * no layer, through a one-op layer. Kinks are declared through the optional `kinks` property.
 */
import { tf, type Tensor } from '../../harness/tf.ts';

export interface BuiltinLayer {
  name: string;
  make: () => tf.layers.Layer;
}

/** A Form A layer applying one elementwise tfjs op. */
export class OpLayer extends tf.layers.Layer {
  static className = 'StabilityOpLayer';
  constructor(private readonly op: (x: Tensor) => Tensor) {
    super({});
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return this.op(Array.isArray(inputs) ? inputs[0]! : inputs);
  }
}

const withKinks = <T extends tf.layers.Layer>(layer: T, kinks: number[]): T => Object.assign(layer, { kinks });

export const BUILTIN_LAYERS: BuiltinLayer[] = [
  { name: 'relu', make: () => withKinks(tf.layers.reLU(), [0]) },
  { name: 'relu6', make: () => withKinks(tf.layers.activation({ activation: 'relu6' }), [0, 6]) },
  { name: 'leakyRelu', make: () => withKinks(tf.layers.leakyReLU({ alpha: 0.2 }), [0]) },
  {
    name: 'prelu',
    make: () => withKinks(tf.layers.prelu({ alphaInitializer: tf.initializers.constant({ value: 0.25 }) }), [0]),
  },
  { name: 'elu', make: () => withKinks(tf.layers.elu(), [0]) },
  { name: 'softplus', make: () => tf.layers.activation({ activation: 'softplus' }) },
  { name: 'sigmoid', make: () => tf.layers.activation({ activation: 'sigmoid' }) },
  { name: 'tanh', make: () => tf.layers.activation({ activation: 'tanh' }) },
  { name: 'swish', make: () => tf.layers.activation({ activation: 'swish' }) },
  { name: 'logSigmoid', make: () => new OpLayer((x) => tf.logSigmoid(x)) },
];
