/**
 * Whether a layer with several inputs or several outputs can sit in the seed network the way
 * trainsToAccuracy trains it: the network gives its activation [N, 24, 24, 20] to every input (as
 * a residual block does) and trains on the first output, so every input must take one size, the
 * layer must build and run with the activation at every input, and its first output must have
 * the activation's size. A one-input, one-output layer is not judged here: it may return any
 * shape (the fully connected layer flattens it), as before.
 */
import { inputLabel, outputLabel } from '../../harness/io-labels.ts';
import type { LayerUnderTest } from '../../harness/layer-under-test.ts';
import { tf } from '../../harness/tf.ts';
import { buildLayer, disposeLayer, LayerBuildError } from '../../reference-layers/training/run-training.ts';
import { applyToActivation, LAYER_INPUT_SIZE } from '../../reference-layers/training/seed-network.ts';

const ACTIVATION = `[N, ${LAYER_INPUT_SIZE.join(', ')}]`;

/** How the seed network uses a layer with several inputs or outputs, for the skip message. */
export function multiIOUse(subject: LayerUnderTest): string {
  const output = subject.numOutputs > 1 ? 'its first output' : 'its output';
  return subject.numInputs > 1
    ? `the seed network gives its activation ${ACTIVATION} to every input (as in a residual block) and trains on ${output}, which must have the activation's size`
    : `the seed network trains on ${output}, which must have the size of its activation ${ACTIVATION}`;
}

/** Null when the layer can train in the seed network; else why not (for a skip). */
export function multiIOTrainingProblem(subject: LayerUnderTest, seed: number): string | null {
  if (!subject.isMultiIO) return null;
  const n = subject.numInputs;
  const sizes = subject.inputSizes;
  const same = sizes.every((s) => s.length === sizes[0]!.length && s.every((d, j) => d === sizes[0]![j]));
  if (!same)
    return `${multiIOUse(subject)}; this layer's inputs take different sizes: ${sizes
      .map((s, i) => `[${s.join(', ')}] (${inputLabel(i, n)})`)
      .join(', ')}`;
  let layer: tf.layers.Layer;
  try {
    layer = buildLayer(() => subject.fresh(seed), seed, n);
  } catch (e) {
    if (e instanceof LayerBuildError) return `${multiIOUse(subject)}; ${e.message}`;
    throw e;
  }
  try {
    const shape = tf.tidy(
      () => applyToActivation(layer, tf.zeros([1, ...LAYER_INPUT_SIZE]), { training: false }, n).shape,
    );
    const fits = shape.length === 4 && LAYER_INPUT_SIZE.every((d, j) => shape[j + 1] === d);
    if (!fits)
      return `${multiIOUse(subject)}; given the activation, its ${outputLabel(0, subject.numOutputs)} is [${['N', ...shape.slice(1)].join(', ')}]`;
    return null;
  } finally {
    disposeLayer(layer);
  }
}
