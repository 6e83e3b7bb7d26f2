/**
 * Runs one layer file's checks in a worker thread, so a layer that never returns can be stopped:
 * a check that neither finishes nor reports progress within the timeout is recorded as failed,
 * the worker is terminated, and a new one carries on with the remaining checks.
 */
import { Worker } from 'node:worker_threads';
import type { RunOptions } from '../harness/options.ts';
import type { CheckResult, EnvironmentInfo, LayerInfo, RunResult } from '../harness/result.ts';
import { assembleRun, unknownLayer } from './assemble-run.ts';
import { isCheckId, suiteOf } from '../harness/catalog.ts';
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
  replayPrefix: string,
  hooks: RunFileHooks = {},
): Promise<RunResult> {
  const startedAt = new Date();
  const results: CheckResult[] = [];
  let layer: LayerInfo = unknownLayer(file, options.exportName, options.inputSize);
  let environment: EnvironmentInfo | null = null;
  let remaining = [...checkIds];
  let firstLoad = true;

  while (true) {
    const outcome = await runWorker(
      { file, options, checkIds: remaining, earlier: results, replayPrefix },
      options.timeoutSeconds * 1000,
      {
        onLoaded: (l, env) => {
          layer = l;
          environment = env;
          if (firstLoad) hooks.onLoaded?.(l, env);
          firstLoad = false;
        },
        onStart: hooks.onStart,
        onProgress: hooks.onProgress,
        onResult: (r) => {
          results.push(r);
          remaining = remaining.filter((id) => id !== r.id);
          hooks.onResult?.(r);
        },
      },
    );
    if (outcome.kind === 'load-error') {
      return assembleRun({
        startedAt,
        options,
        layer,
        environment: outcome.environment ?? environment,
        checks: results,
        loadError: { message: outcome.message },
      });
    }
    if (outcome.kind === 'done') break;
    if (outcome.kind === 'crashed') {
      const id = outcome.current;
      if (id) {
        const r: CheckResult = {
          id,
          suite: suiteOfId(id),
          status: 'failed',
          message: `${id}: the worker running the layer crashed: ${outcome.message}`,
          durationMs: outcome.elapsedMs,
        };
        results.push(r);
        remaining = remaining.filter((x) => x !== id);
        hooks.onResult?.(r);
        continue;
      }
      return assembleRun({
        startedAt,
        options,
        layer,
        environment,
        checks: results,
        loadError: { message: `${file}: ${outcome.message}` },
      });
    }
    // Timed out: record the check as failed and go on with a fresh worker.
    const r: CheckResult = {
      id: outcome.current,
      suite: suiteOfId(outcome.current),
      status: 'failed',
      message: `${outcome.current} did not finish within ${options.timeoutSeconds} s (stopped; does predict, forward or backward loop forever?); raise --timeout if the layer is just slow`,
      durationMs: outcome.elapsedMs,
      where: {},
      replay: `${replayPrefix} --checks ${outcome.current} --timeout ${options.timeoutSeconds * 4}`,
    };
    results.push(r);
    remaining = remaining.filter((x) => x !== outcome.current);
    hooks.onResult?.(r);
    if (remaining.length === 0) break;
  }
  return assembleRun({ startedAt, options, layer, environment, checks: results });
}

/** The suite of a check this file records itself (one that timed out or whose worker crashed). */
function suiteOfId(id: string): CheckResult['suite'] {
  if (!isCheckId(id)) throw new Error(`the worker reported a check "${id}" that is not in the catalog`);
  return suiteOf(id);
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
