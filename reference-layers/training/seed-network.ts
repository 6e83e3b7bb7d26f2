/**
 * The seed's network: image input 28x28x1 (zero-centred), convolution 5x5 with 20 filters
 * ('valid', stride 1), batch normalization, THE LAYER UNDER TEST, fully connected 10, softmax,
 * cross-entropy. The layer under test sees [N, 24, 24, 20] and may return any shape; the fully
 * connected layer flattens what it returns. A layer with several inputs gets that activation at
 * every input (as a residual block does), and a layer with several outputs is trained on its first
 * (`applyToActivation`); trainsToAccuracy decides which such layers can train here.
 *
 * Initial values follow MATLAB's defaults and depend only on the seed, never on the layer under
 * test, so two networks with different layers start from the same weights everywhere else:
 * convolution and fully connected weights Glorot-uniform, biases zero, batch-norm scale one and
 * offset zero, running statistics zero mean and unit variance.
 *
 * The convolution and batch normalization are the reference layers (`Conv2dLayer`,
 * `BatchNormLayer`), which hold their parameters and give the prediction-time path. Training
 * updates the same variables through a fused convolution + batch-norm step (`stem.ts`, equal to
 * the reference layers' own backward to float32 rounding, see stem.test.ts) and the update rule
 * in `train.ts`. The fully connected layer is a weight matrix and a bias.
 */
import { applyAsModels, applyAsModelsAll } from '../../harness/layer-under-test.ts';
import { deriveSeed, makeRng } from '../../harness/random.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { BatchNormLayer } from '../batch-norm-layer.ts';
import { Conv2dLayer } from '../conv2d-layer.ts';

export const CONV_FILTER_SIZE = 5;
export const CONV_FILTERS = 20;
export const BN_EPSILON = 1e-5;
/** MATLAB's batch-norm decay for running statistics: new = 0.9 * old + 0.1 * batch. */
export const BN_MOMENTUM = 0.9;
/** What the layer under test receives: one observation of the batch-norm output. */
export const LAYER_INPUT_SIZE = [24, 24, CONV_FILTERS] as const;

export interface Learnable {
  /** `conv.weights`, `layer.alpha`, `fc.bias`... */
  name: string;
  variable: tf.Variable;
  /** Whether L2 regularization applies, as MATLAB's L2Factor: 1 for weights, scale, offset and custom learnables; 0 for biases. */
  l2: boolean;
}

let networkCounter = 0;

/**
 * The layer under test on the activation `a`, as models call it: `layer.apply([a], kwargs)`, or
 * with several inputs the same activation at every one, `layer.apply([a, a, ...], kwargs)`; its
 * output, or its first output when it returns several. Gradients of the shared `a` add up over
 * the inputs, as in a residual block.
 */
export function applyToActivation(
  layer: tf.layers.Layer,
  a: Tensor,
  kwargs: Record<string, unknown>,
  numInputs = 1,
): Tensor {
  const out =
    numInputs === 1
      ? applyAsModels(layer, a, kwargs)
      : applyAsModelsAll(
          layer,
          Array.from({ length: numInputs }, () => a),
          kwargs,
        );
  return (Array.isArray(out) ? out[0] : out) as Tensor;
}

export class SeedNetwork {
  /** The reference convolution, 5x5x1x20 'valid' with bias. */
  readonly conv: Conv2dLayer;
  /** The reference batch normalization over its 20 channels. */
  readonly bn: BatchNormLayer;
  readonly convWeights: tf.Variable; // [5, 5, 1, 20]
  readonly convBias: tf.Variable; // [20]
  readonly bnScale: tf.Variable; // [20]
  readonly bnOffset: tf.Variable; // [20]
  readonly bnMean: tf.Variable; // [20], running (then population) mean of the convolution output
  readonly bnVariance: tf.Variable; // [20]
  readonly fcWeights: tf.Variable; // [features, 10]
  readonly fcBias: tf.Variable; // [10]
  /** Number of values the layer under test returns per observation. */
  readonly features: number;
  private readonly id = ++networkCounter;

  /**
   * @param layer the layer under test, already built for [N, 24, 24, 20] (see `buildLayer` in run-training.ts).
   * @param seed the seed of every initial value outside the layer under test.
   * @param numInputs the layer's inputs: each gets the activation (`applyToActivation`).
   */
  constructor(
    readonly layer: tf.layers.Layer,
    readonly seed: number,
    readonly numInputs = 1,
  ) {
    const out = tf.tidy(() => this.applyLayer(tf.zeros([1, ...LAYER_INPUT_SIZE]), false).shape);
    this.features = out.slice(1).reduce((a, b) => a * b, 1);
    const k = CONV_FILTER_SIZE;
    this.conv = new Conv2dLayer({ filterSize: k, numFilters: CONV_FILTERS, name: `seedNetwork${this.id}_conv` });
    this.bn = new BatchNormLayer({ epsilon: BN_EPSILON, momentum: BN_MOMENTUM, name: `seedNetwork${this.id}_bn` });
    tf.tidy(() => {
      this.bn.apply(this.conv.apply(tf.zeros([1, 28, 28, 1])));
    });
    this.convWeights = this.conv.learnableVariable('weights').read() as tf.Variable;
    this.convBias = this.conv.learnableVariable('bias').read() as tf.Variable;
    this.bnScale = this.bn.learnableVariable('scale').read() as tf.Variable;
    this.bnOffset = this.bn.learnableVariable('offset').read() as tf.Variable;
    this.bnMean = stateVariable(this.bn, 'runningMean');
    this.bnVariance = stateVariable(this.bn, 'runningVariance');
    // Initial values from the seed alone (the layers' own initializers draw from a shared counter).
    tf.tidy(() => {
      this.convWeights.assign(
        glorotUniform([k, k, 1, CONV_FILTERS], k * k * 1, k * k * CONV_FILTERS, deriveSeed(seed, 'conv.weights')),
      );
      this.convBias.assign(tf.zeros([CONV_FILTERS]));
      this.bnScale.assign(tf.ones([CONV_FILTERS]));
      this.bnOffset.assign(tf.zeros([CONV_FILTERS]));
      this.bnMean.assign(tf.zeros([CONV_FILTERS]));
      this.bnVariance.assign(tf.ones([CONV_FILTERS]));
    });
    // tf.variable keeps its own reference to the initial value's data: make each in a tidy.
    const v = (name: string, t: () => Tensor) => tf.tidy(() => tf.variable(t(), true, `seedNetwork${this.id}/${name}`));
    this.fcWeights = v('fc.weights', () =>
      glorotUniform([this.features, 10], this.features, 10, deriveSeed(seed, 'fc.weights')),
    );
    this.fcBias = v('fc.bias', () => tf.zeros([10]));
  }

  /** The layer under test on the activation `a` (its first output), as models call it. */
  applyLayer(a: Tensor, training: boolean): Tensor {
    return applyToActivation(this.layer, a, { training }, this.numInputs);
  }

  /** The layer under test's learnables as tf.Variables (Form A: its trainable weights; Form B: its learnables). */
  layerLearnables(): Learnable[] {
    return this.layer.trainableWeights.map((w) => ({
      name: `layer.${shortName(w.originalName ?? w.name)}`,
      variable: w.read() as tf.Variable,
      l2: true,
    }));
  }

  /** Everything training updates, in a fixed order. */
  learnables(): Learnable[] {
    return [
      { name: 'conv.weights', variable: this.convWeights, l2: true },
      { name: 'conv.bias', variable: this.convBias, l2: false },
      { name: 'bn.scale', variable: this.bnScale, l2: true },
      { name: 'bn.offset', variable: this.bnOffset, l2: true },
      ...this.layerLearnables(),
      { name: 'fc.weights', variable: this.fcWeights, l2: true },
      { name: 'fc.bias', variable: this.fcBias, l2: false },
    ];
  }

  /** Prediction-time batch-norm output for zero-centred images [N, 28, 28, 1]: the layer under test's input. */
  predictStem(x: Tensor): Tensor {
    return tf.tidy(() => this.bn.apply(this.conv.apply(x, { training: false }), { training: false }) as Tensor);
  }

  /** Prediction-time logits [N, 10] for zero-centred images [N, 28, 28, 1]. */
  predictLogits(x: Tensor): Tensor {
    return tf.tidy(() => {
      const h = this.applyLayer(this.predictStem(x), false);
      return tf.add(tf.matMul(tf.reshape(h, [x.shape[0], this.features]), this.fcWeights), this.fcBias);
    });
  }

  /** Frees the network's own layers and variables (not the layer under test's). */
  dispose(): void {
    this.conv.dispose();
    this.bn.dispose();
    this.fcWeights.dispose();
    this.fcBias.dispose();
  }
}

/** A CustomLayer's state value (declared with addState) as its tf.Variable. */
function stateVariable(layer: tf.layers.Layer, name: string): tf.Variable {
  const w = layer.nonTrainableWeights.find((v) => shortName(v.originalName ?? v.name) === name);
  if (!w) throw new Error(`${layer.getClassName()} has no state named ${name}`);
  return w.read() as tf.Variable;
}

/** MATLAB's 'glorot' initializer: uniform in +-sqrt(6 / (fanIn + fanOut)), from a seeded generator. */
export function glorotUniform(shape: number[], fanIn: number, fanOut: number, seed: number): Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const random = makeRng(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = (2 * random() - 1) * limit;
  return tf.tensor(values, shape);
}

function shortName(n: string): string {
  const parts = n.split('/');
  return parts[parts.length - 1]!;
}
