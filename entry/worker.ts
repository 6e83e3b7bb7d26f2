/**
 * Runs in a worker thread: loads one layer file, enters the backend, and runs the checks it is
 * given, posting each start and result, so the main thread can stop it when a check hangs.
 */
import { parentPort } from 'node:worker_threads';
import { UsageError } from '../harness/errors.ts';
import { loadLayerFile } from '../harness/load-layer.ts';
import { catalogEntry, isCheckId } from '../harness/catalog.ts';
import { replayCommand } from '../harness/replay.ts';
import type { CheckResult, EnvironmentInfo } from '../harness/result.ts';
import { runOneCheck } from '../harness/run-checks.ts';
import { describeLayer, enterBackend, makeSubject } from './run-layer.ts';
import type { WorkerInput, WorkerMessage, WorkerRequest } from './worker-protocol.ts';
import { ALL_CHECKS } from '../suites/index.ts';

const post = (m: WorkerMessage) => parentPort!.postMessage(m);
/** Shared by every file this worker runs (the digits, the reference training run). */
const cache = new Map<string, unknown>();

async function runFile(input: WorkerInput): Promise<void> {
  const { options } = input;
  let environment: EnvironmentInfo | null = null;
  try {
    environment = (await enterBackend(options.backend)).environment;
    const loaded = await loadLayerFile(input.file, options.exportName);
    const inputSize = options.inputSize ?? loaded.inputSize;
    if (!inputSize) {
      throw new UsageError(
        `${input.file}: no input size; add \`export const inputSize = [24, 24, 20]\` to the file or pass --input-size 24,24,20`,
      );
    }
    const subject = makeSubject(loaded.source, inputSize, options.seed, input.file, options.exportName);
    post({ type: 'loaded', layer: describeLayer(subject), environment });
    const earlier = new Map<string, CheckResult>(input.earlier.map((r) => [r.id, r]));
    for (const id of input.checkIds) {
      const check = ALL_CHECKS.find((c) => c.id === id)!;
      post({ type: 'start', id });
      const result = await runOneCheck(
        check,
        {
          subject,
          checks: [check],
          seed: options.seed,
          options,
          cache,
          replay: (cid) => (isCheckId(cid) ? replayCommand(input.file, catalogEntry(cid), options) : ''),
          progress: (line) => post({ type: 'progress', id, line }),
        },
        earlier,
      );
      earlier.set(id, result);
      post({ type: 'result', result });
    }
    post({ type: 'done' });
  } catch (e) {
    if (e instanceof UsageError) {
      post({ type: 'load-error', message: e.message, environment });
    } else {
      const err = e as Error;
      post({ type: 'load-error', message: `${input.file}: ${err?.message?.split('\n')[0] ?? String(e)}`, environment });
    }
  }
}

// One file at a time, in the order the main thread sends them; the worker lives for the whole
// run unless a check hangs and the main thread stops it.
let queue = Promise.resolve();
parentPort!.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => runFile(request.input));
});
