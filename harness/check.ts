/**
 * What a check is. Each check is one small module in `suites/<suite>/` exporting one `Check`
 * (its entry in `catalog.ts` plus its code); `suites/index.ts` lists them all. A check returns
 * its result as data: the runner times it, turns a throw into a failure, and marks it incomplete
 * when a check it depends on failed.
 */
import { availableParallelism } from 'node:os';
import type { CatalogEntry } from './catalog.ts';
import type { LayerUnderTest } from './layer-under-test.ts';
import type { CheckResult, Evidence, FailureLocation } from './result.ts';
import type { tf } from './tf.ts';

/** What a check returns. The runner adds id, suite, duration and the replay command. */
export interface CheckOutcome {
  /**
   * `incomplete` when the check could not reach a verdict on what it checks (the layer threw before
   * it could be judged): never `passed` for something not judged. Checks that depend on it still
   * run; only an incomplete that goes back to a failed check blocks them.
   */
  status: 'passed' | 'failed' | 'skipped' | 'incomplete';
  message: string;
  details?: string[];
  warnings?: string[];
  where?: FailureLocation;
  evidence?: Evidence;
  /** Stack frames of an error the layer threw (shown on the console only with --verbose). */
  stack?: string[];
}

/** Options every check may read; resolved once by the CLI or the vitest helper. */
export interface CheckOptions {
  /** Gradient suite: every element instead of a sample. */
  exhaustive: boolean;
  /** Stability suite: findings at extreme inputs (1e10 and up, the mixed tensor) fail instead of warning. */
  strictStability: boolean;
  /** Training suite. */
  epochs: number;
  trainSize: number;
  testSize: number;
  /** Training suite: where to train (auto: webgpu on a real GPU, else wasm). */
  trainBackend: 'cpu' | 'wasm' | 'webgpu' | 'auto';
  /**
   * Training suite: worker threads for training on the CPU (data-parallel; shared between the
   * layer's and the reference network when both train). Default: the cores, at most 8.
   */
  trainWorkers: number;
  /** Backend suite: which backends to compare against cpu (those available are used). */
  compareBackends: ('wasm' | 'webgpu')[];
}

export interface CheckContext {
  tf: typeof tf;
  subject: LayerUnderTest;
  /** Size of one observation, e.g. [8, 8, 20] (of the first input, for a layer with several). */
  inputSize: number[];
  /** Size of one observation of each input, in order (one entry for a one-input layer). */
  inputSizes: number[][];
  /** The run's seed; derive per-purpose seeds with `deriveSeed(seed, label)`. */
  seed: number;
  /** Seeded generator for this check, in [0, 1). */
  random: () => number;
  /** The backend the run is on: cpu, wasm or webgpu. */
  backend: string;
  options: CheckOptions;
  /** Results of the checks run so far in this run, by id. */
  earlier: ReadonlyMap<string, CheckResult>;
  /** Data shared across checks and layers in one process (for example the digits, a reference training run). */
  cache: Map<string, unknown>;
  /** Progress for long work: a line for logs. */
  progress: (line: string) => void;
}

/** A check: its catalog entry (id, suite, title, dependsOn, from `catalog.ts`) and its code. */
export interface Check extends CatalogEntry {
  run(ctx: CheckContext): Promise<CheckOutcome> | CheckOutcome;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  exhaustive: false,
  strictStability: false,
  epochs: 30,
  trainSize: 5000,
  testSize: 5000,
  trainBackend: 'auto',
  trainWorkers: Math.max(1, Math.min(8, availableParallelism())),
  compareBackends: ['wasm', 'webgpu'],
};
