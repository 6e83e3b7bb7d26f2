/**
 * Runs one layer file's checks in a worker thread, so a layer that never returns can be stopped:
 * a check that neither finishes nor reports progress within the timeout is recorded as failed,
 * the worker is terminated, and a new one carries on with the remaining checks.
 */
import { Worker } from 'node:worker_threads';
import type { RunOptions } from '../harness/options.ts';
import type { CheckResult, EnvironmentInfo, LayerInfo, RunResult } from '../harness/result.ts';
import { assembleRun, unknownLayer } from './assemble-run.ts';
import { catalogEntry, isCheckId } from '../harness/catalog.ts';
import { raisedTimeout, replayCommand } from '../harness/replay.ts';
import type { WorkerInput, WorkerMessage, WorkerRequest } from './worker-protocol.ts';

export interface RunFileHooks {
  onLoaded?: (layer: LayerInfo, environment: EnvironmentInfo) => void;
  onStart?: (id: string) => void;
  onProgress?: (id: string, line: string) => void;
  onResult?: (r: CheckResult) => void;
}

const WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);

export async function runFileIsolated(
  file: string,
  options: RunOptions,
  checkIds: string[],
  hooks: RunFileHooks = {},
): Promise<RunResult> {
  const startedAt = new Date();
  const state: FileRun = {
    file,
    options,
    results: [],
    remaining: [...checkIds],
    layer: unknownLayer(file, options.exportName, options.inputSize),
    environment: null,
  };
  let firstLoad = true;
  const record = (r: CheckResult) => {
    state.results.push(r);
    state.remaining = state.remaining.filter((id) => id !== r.id);
    hooks.onResult?.(r);
  };
  const run = (loadError?: { message: string }) =>
    assembleRun({
      startedAt,
      options,
      layer: state.layer,
      environment: state.environment,
      checks: state.results,
      ...(loadError ? { loadError } : {}),
    });

  while (state.remaining.length > 0) {
    const outcome = await runWorker(
      { file, options, checkIds: state.remaining, earlier: state.results },
      options.timeoutSeconds * 1000,
      {
        onLoaded: (l, env) => {
          state.layer = l;
          state.environment = env;
          if (firstLoad) hooks.onLoaded?.(l, env);
          firstLoad = false;
        },
        onStart: hooks.onStart,
        onProgress: hooks.onProgress,
        onResult: record,
      },
    );
    if (outcome.kind === 'done') break;
    if (outcome.kind === 'load-error') {
      state.environment = outcome.environment ?? state.environment;
      return run({ message: outcome.message });
    }
    if (outcome.kind === 'crashed' && !outcome.current) return run({ message: `${file}: ${outcome.message}` });
    // A check hung or its worker died: record it as failed and go on with a fresh worker.
    record(stoppedCheck(state, outcome));
  }
  return run();
}

/** What one file's run has so far, across the workers it took. */
interface FileRun {
  file: string;
  options: RunOptions;
  results: CheckResult[];
  remaining: string[];
  layer: LayerInfo;
  environment: EnvironmentInfo | null;
}

/** The failed result of the check that was running when its worker timed out or crashed. */
function stoppedCheck(
  { file, options }: FileRun,
  outcome: Extract<WorkerOutcome, { kind: 'timeout' | 'crashed' }>,
): CheckResult {
  const id = outcome.current ?? '';
  if (!isCheckId(id)) throw new Error(`the worker reported a check "${id}" that is not in the catalog`);
  const entry = catalogEntry(id);
  const base = { id, suite: entry.suite, title: entry.title, status: 'failed' as const, durationMs: outcome.elapsedMs };
  if (outcome.kind === 'crashed') {
    return {
      ...base,
      message: `${id}: the worker running the layer crashed: ${outcome.message}`,
      replay: replayCommand(file, entry, options),
    };
  }
  return {
    ...base,
    message: `${id} did not finish within ${options.timeoutSeconds} s (stopped; does predict, forward or backward loop forever?); raise --timeout if the layer is just slow`,
    where: {},
    replay: replayCommand(file, entry, { ...options, timeoutSeconds: raisedTimeout(options) }),
  };
}

type WorkerOutcome =
  | { kind: 'done' }
  | { kind: 'load-error'; message: string; environment: EnvironmentInfo | null }
  | { kind: 'timeout'; current: string; elapsedMs: number }
  | { kind: 'crashed'; current: string | null; message: string; elapsedMs: number };

/**
 * One worker for the whole run: it loads TensorFlow.js once and takes the files one by one. It is
 * replaced only when a check hangs (terminated) or it dies.
 */
class LayerWorker {
  private worker: Worker | null = null;
  listener: ((m: WorkerMessage) => void) | null = null;
  onFailure: ((message: string) => void) | null = null;

  get(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_URL, { stdout: false, stderr: false });
    w.on('message', (m: WorkerMessage) => this.listener?.(m));
    w.on('error', (e) => this.onFailure?.(e?.message?.split('\n')[0] ?? String(e)));
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.onFailure?.(`exited with code ${code}`);
    });
    this.worker = w;
    return w;
  }

  stop(): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
  }
}

const layerWorker = new LayerWorker();

/** Ends the shared worker (at the end of a run). */
export function closeWorker(): void {
  layerWorker.stop();
}

function runWorker(
  input: WorkerInput,
  timeoutMs: number,
  hooks: Required<Pick<RunFileHooks, 'onLoaded' | 'onResult'>> & RunFileHooks,
): Promise<WorkerOutcome> {
  return new Promise((resolve) => {
    let current: string | null = null;
    let startedAt = Date.now();
    let timer: NodeJS.Timeout | null = null;
    let settled = false;
    const finish = (o: WorkerOutcome) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      layerWorker.listener = null;
      layerWorker.onFailure = null;
      if (o.kind === 'timeout' || o.kind === 'crashed') layerWorker.stop();
      resolve(o);
    };
    // Starting the worker, loading the file and entering the backend get at least a minute.
    const loadAllowanceMs = Math.max(timeoutMs, 60_000);
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(
        () => {
          if (current) finish({ kind: 'timeout', current, elapsedMs: Date.now() - startedAt });
          else
            finish({
              kind: 'crashed',
              current: null,
              message: `loading the layer did not finish within ${loadAllowanceMs / 1000} s (does the file or the constructor loop forever?)`,
              elapsedMs: Date.now() - startedAt,
            });
        },
        current ? timeoutMs : loadAllowanceMs,
      );
    };
    layerWorker.listener = (m: WorkerMessage) => {
      switch (m.type) {
        case 'loaded':
          hooks.onLoaded(m.layer, m.environment);
          break;
        case 'load-error':
          finish({ kind: 'load-error', message: m.message, environment: m.environment });
          break;
        case 'start':
          current = m.id;
          startedAt = Date.now();
          arm();
          hooks.onStart?.(m.id);
          break;
        case 'progress':
          arm();
          hooks.onProgress?.(m.id, m.line);
          break;
        case 'result':
          current = null;
          hooks.onResult(m.result);
          arm();
          break;
        case 'done':
          finish({ kind: 'done' });
          break;
      }
    };
    layerWorker.onFailure = (message) =>
      finish({ kind: 'crashed', current, message, elapsedMs: Date.now() - startedAt });
    arm();
    layerWorker.get().postMessage({ type: 'run', input } satisfies WorkerRequest);
  });
}
