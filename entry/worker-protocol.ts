/** Messages between the runner (CLI, API) and the child process that runs layer files' checks. */
import type { RunOptions } from '../harness/options.ts';
import type { CheckResult, EnvironmentInfo, LayerInfo } from '../harness/result.ts';

export interface WorkerInput {
  file: string;
  options: RunOptions;
  /** Checks still to run, in order. */
  checkIds: string[];
  /** Results from an earlier process (stopped after a timeout), for dependencies. */
  earlier: CheckResult[];
}

/** Main thread to worker: one file to run. */
export type WorkerRequest = { type: 'run'; input: WorkerInput };

/** What the child measures of itself (bytes). */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  /** TensorFlow.js's own count: `tf.memory().numBytes`. */
  tfBytes: number;
}

/** Child to runner. */
export type WorkerMessage =
  /** The backend is entered; the layer file is being imported and made (the layer's code runs). */
  | { type: 'loading'; environment: EnvironmentInfo }
  | { type: 'loaded'; layer: LayerInfo; environment: EnvironmentInfo }
  | { type: 'load-error'; message: string; environment: EnvironmentInfo | null }
  | { type: 'start'; id: string }
  | { type: 'progress'; id: string; line: string }
  | { type: 'result'; result: CheckResult; memory: MemorySample }
  | { type: 'memory'; sample: MemorySample }
  | { type: 'done'; memory: MemorySample }
  /**
   * The file's layer class is not the one registered under its className, and that registration
   * is an earlier file's (this process ran other files first): the file must run in a fresh
   * process, where only its own imports register classes. Nothing of it was run yet.
   */
  | { type: 'fresh-process'; reason: string };

/** Marker lines the child writes on stderr (see worker-entry.mjs); never shown to the user. */
export const STDERR_MARK = '\u0000check-layer:';

/**
 * The line the child writes on stdout and on stderr once a file is done, right before it says so
 * (pipes are written synchronously on Linux, so it comes after everything the layer printed): the
 * parent passes that file's output on in full before it goes to the next file or ends.
 */
export const FLUSH_LINE = `${STDERR_MARK}flush`;
