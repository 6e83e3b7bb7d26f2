/**
 * Runs in the check process (a child of the CLI or of `checkLayer`): loads one layer file,
 * enters the backend, and runs the checks it is given, sending each start and result, so the
 * parent can stop it when a check hangs or runs away with memory.
 */
import { UsageError } from '../harness/errors.ts';
import { errorText } from '../harness/error-text.ts';
import { loadLayerFile } from '../harness/load-layer.ts';
import { catalogEntry, isCheckId } from '../harness/catalog.ts';
import { replayCommand } from '../harness/replay.ts';
import type { CheckResult, EnvironmentInfo } from '../harness/result.ts';
import { runOneCheck } from '../harness/run-checks.ts';
import { tf } from '../harness/tf.ts';
import { describeLayer, enterBackend, makeSubject } from './run-layer.ts';
import {
  FLUSH_LINE,
  type MemorySample,
  type WorkerInput,
  type WorkerMessage,
  type WorkerRequest,
} from './worker-protocol.ts';
import { ALL_CHECKS } from '../suites/index.ts';

const post = (m: WorkerMessage) => {
  if (process.connected) process.send?.(m);
};

/**
 * The file's last message, after the flush line on both streams (see FLUSH_LINE). Written through
 * process.stdout and process.stderr, so it queues behind whatever the layer wrote there and has
 * not gone out yet (a pipe the parent reads more slowly than the layer prints).
 */
const postLast = (m: WorkerMessage) => {
  for (const stream of [process.stdout, process.stderr]) {
    try {
      stream.write(`${FLUSH_LINE}\n`);
    } catch {
      // the stream is gone; the parent stops waiting for it when the process ends
    }
  }
  post(m);
};
/** Shared by every file this process runs (the digits, the reference training run). */
const cache = new Map<string, unknown>();

/** Set once a backend is entered: before that, asking TensorFlow.js for its memory would start one. */
let backendReady = false;

function memory(): MemorySample {
  const m = process.memoryUsage();
  let tfBytes = 0;
  try {
    if (backendReady) tfBytes = tf.memory().numBytes;
  } catch {
    // a backend being switched: the next sample counts
  }
  return { rss: m.rss, heapUsed: m.heapUsed, tfBytes };
}

/** Layer files this process has started on. */
let filesStarted = 0;

type Registry = Record<string, unknown>;
const registry = (): Registry => tf.serialization.SerializationMap.getMap().classNameMap;

/**
 * The className under which an earlier file of this process registered another class than this
 * layer's (a module cached from that file is not run again, so this file's own registration may
 * never happen here); null when the registry entry is this layer's, absent, or made by this file.
 */
function classTakenEarlier(layer: tf.layers.Layer, before: Registry): string | null {
  let name: string;
  try {
    name = layer.getClassName();
  } catch {
    return null;
  }
  const entry = registry()[name] as [unknown, unknown] | undefined;
  if (!entry || entry[0] === layer.constructor || before[name] !== entry) return null;
  return name;
}

async function runFile(input: WorkerInput): Promise<void> {
  const { options } = input;
  let environment: EnvironmentInfo | null = null;
  try {
    environment = (await enterBackend(options.backend)).environment;
    backendReady = true;
    post({ type: 'loading', environment });
    const registryBefore = { ...registry() };
    const earlierFiles = filesStarted++;
    const loaded = await loadLayerFile(input.file, options.exportName);
    const inputSize = options.inputSize ?? loaded.inputSize;
    if (!inputSize) {
      throw new UsageError(
        `${input.file}: no input size; add \`export const inputSize = [24, 24, 20]\` to the file or pass --input-size 24,24,20`,
      );
    }
    const subject = makeSubject(loaded.source, inputSize, options.seed, input.file, options.exportName);
    const takenBy = earlierFiles > 0 ? classTakenEarlier(subject.layer, registryBefore) : null;
    if (takenBy) {
      postLast({ type: 'fresh-process', reason: takenBy });
      return;
    }
    const layerInfo = describeLayer(subject);
    const backendNow = tf.getBackend();
    if (backendNow !== environment.backend) {
      await tf.setBackend(environment.backend);
      throw new UsageError(
        `${input.file}: the backend changed from ${environment.backend} to ${backendNow} while the layer was made and first called (does it call tf.setBackend?); a layer must not change it`,
      );
    }
    post({ type: 'loaded', layer: layerInfo, environment });
    await runChecks(input, subject, environment.backend);
    postLast({ type: 'done', memory: memory() });
  } catch (e) {
    if (e instanceof UsageError) {
      postLast({ type: 'load-error', message: e.message, environment });
    } else {
      postLast({ type: 'load-error', message: `${input.file}: ${errorText(e)}`, environment });
    }
  }
}

/** The checks of one file, one after the other, each reported as it starts, progresses and ends. */
async function runChecks(input: WorkerInput, subject: ReturnType<typeof makeSubject>, backend: string): Promise<void> {
  const { options } = input;
  const earlier = new Map<string, CheckResult>(input.earlier.map((r) => [r.id, r]));
  for (const id of input.checkIds) {
    const check = ALL_CHECKS.find((c) => c.id === id);
    if (!check) throw new Error(`unknown check ${id}`);
    post({ type: 'start', id });
    const result = await runOneCheck(
      check,
      {
        subject,
        checks: [check],
        backend,
        seed: options.seed,
        options,
        cache,
        replay: (cid) => (isCheckId(cid) ? replayCommand(input.file, catalogEntry(cid), options) : ''),
        progress: (line) => post({ type: 'progress', id, line }),
      },
      earlier,
    );
    earlier.set(id, result);
    post({ type: 'result', result, memory: memory() });
  }
}

// TensorFlow.js's bytes and the resident size, whenever the event loop is free (the parent also
// reads the resident size from outside, which works while a layer's code holds the loop).
setInterval(() => post({ type: 'memory', sample: memory() }), 250).unref();

// One file at a time, in the order the parent sends them; the process lives for the whole run
// unless a check hangs or runs away with memory and the parent stops it.
let queue = Promise.resolve();
process.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => runFile(request.input));
});
// The parent going away (Ctrl-C, its own end) ends this process too.
process.on('disconnect', () => process.exit(0));
