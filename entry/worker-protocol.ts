/** Messages between the CLI's main thread and the worker that runs one layer file's checks. */
import type { RunOptions } from '../harness/options.ts';
import type { CheckResult, EnvironmentInfo, LayerInfo } from '../harness/result.ts';

export interface WorkerInput {
  file: string;
  options: RunOptions;
  /** Checks still to run, in order. */
  checkIds: string[];
  /** Results from an earlier worker (stopped after a timeout), for dependencies. */
  earlier: CheckResult[];
}

/** Main thread to worker: one file to run. */
export type WorkerRequest = { type: 'run'; input: WorkerInput };

/** Worker to main thread. */
export type WorkerMessage =
  | { type: 'loaded'; layer: LayerInfo; environment: EnvironmentInfo }
  | { type: 'load-error'; message: string; environment: EnvironmentInfo | null }
  | { type: 'start'; id: string }
  | { type: 'progress'; id: string; line: string }
  | { type: 'result'; result: CheckResult }
  | { type: 'done' };
