/**
 * One training run end to end: the digits, the seed network around a layer, training, evaluation,
 * evidence. Used by `trainsToAccuracy`, `check-layer train` and the benchmarks. Runs on the
 * current tf backend.
 */
import { applyBare, LayerUnderTest } from '../../harness/layer-under-test.ts';
import { tf } from '../../harness/tf.ts';
import { EluLayer } from '../elu-layer.ts';
import { loadDigits } from './digits.ts';
import { evaluate, trainingEvidence, type TrainingEvidence } from './evaluate.ts';
import { applyToActivation, LAYER_INPUT_SIZE, SeedNetwork } from './seed-network.ts';
import { train } from './train.ts';
import {
  MAX_WORKERS,
  rootCause,
  splitsAcrossWorkers,
  startHelpers,
  type Helpers,
  type LayerSpec,
} from './data-parallel.ts';

export interface TrainingRunOptions {
  /** Makes the layer under test (a new, unbuilt tf.layers.Layer); default: the reference ELU. */
  layer?: () => unknown;
  /** How the evidence names the layer; default its class name. */
  layerName?: string;
  seed: number;
  epochs?: number;
  trainSize?: number;
  testSize?: number;
  /** Where it trains, for the first line ("CPU (wasm, SIMD, one thread)"); default from tf.getBackend(). */
  device?: string;
  /** Receives the first line, the progress table and the result lines. */
  out?: (line: string) => void;
  live?: boolean;
  /**
   * Worker threads that train it together, one share of every mini-batch each (data-parallel,
   * `data-parallel.ts`); default 1 (this thread alone). Used on the cpu and wasm backends, for a
   * layer another thread can make (`layerSpec`) whose observations are independent.
   */
  workers?: number;
  /** How another thread makes the layer: needed for workers > 1 when `layer` is given. */
  layerSpec?: LayerSpec;
  /** On webgpu: the fused WGSL programs (default) or TensorFlow.js ops throughout; see `TrainOptions`. */
  fusedKernels?: boolean;
  /**
   * The layer's inputs (default 1): each gets the activation, as in a residual block, and the
   * network trains on the layer's first output (`applyToActivation` in seed-network.ts).
   */
  numInputs?: number;
}

export const referenceElu = () => new EluLayer();

/**
 * Builds the layer for [N, 24, 24, 20] (several inputs: at every input) with the seed's initial
 * values. Throws what the layer throws when it cannot take that input (the caller turns it into a
 * skip or an error).
 */
export function buildLayer(make: () => unknown, seed: number, numInputs = 1): tf.layers.Layer {
  let layer: tf.layers.Layer;
  const at = numInputs === 1 ? '' : ' at every input';
  try {
    const size = [...LAYER_INPUT_SIZE];
    const sizes = numInputs === 1 ? size : Array.from({ length: numInputs }, () => size);
    layer = LayerUnderTest.create({ kind: 'factory', value: make }, sizes, seed).layer;
  } catch (e) {
    throw new LayerBuildError(
      `building it for [1, ${LAYER_INPUT_SIZE.join(', ')}]${at} threw: ${(e as Error)?.message ?? String(e)}`,
    );
  }
  try {
    // create() tolerates a call that throws after build (that is predictDoesNotError's to report); here it must work.
    tf.tidy(() => {
      applyToActivation(layer, tf.zeros([1, ...LAYER_INPUT_SIZE]), { training: false }, numInputs);
    });
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    // Runs when called directly with a bare tensor: the input fits, the layer breaks in models.
    const bareRuns =
      numInputs === 1 &&
      (() => {
        try {
          tf.tidy(() => void applyBare(layer, tf.zeros([1, ...LAYER_INPUT_SIZE]), { training: false }));
          return true;
        } catch {
          return false;
        }
      })();
    disposeLayer(layer);
    if (bareRuns)
      throw new Error(
        `the layer breaks in every model: called as tf.sequential and tf.model call it (call receives [x]) it threw: ${message}; a direct layer.apply(x) with a bare tensor runs`,
      );
    throw new LayerBuildError(`calling it on [1, ${LAYER_INPUT_SIZE.join(', ')}]${at} threw: ${message}`);
  }
  return layer;
}

/** The layer could not be made or built for the seed network's [N, 24, 24, 20] input. */
export class LayerBuildError extends Error {
  override name = 'LayerBuildError';
}

export async function runTraining(o: TrainingRunOptions): Promise<TrainingEvidence> {
  const data = await loadDigits({ trainSize: o.trainSize, testSize: o.testSize });
  const make = o.layer ?? referenceElu;
  const numInputs = o.numInputs ?? 1;
  const layer = buildLayer(make, o.seed, numInputs);
  const net = new SeedNetwork(layer, o.seed, numInputs);
  const plan = planWorkers(o, make);
  const device = o.device ?? defaultDevice();
  let helpers: Helpers | undefined;
  try {
    const epochs = o.epochs ?? 30;
    if (plan.workers > 1)
      helpers = startHelpers({ size: plan.workers, net, layer: plan.spec!, seed: o.seed, epochs, data });
    const result = await train({
      network: net,
      data,
      seed: o.seed,
      epochs,
      device: plan.workers > 1 ? `${device}, ${plan.workers} workers` : device,
      out: o.out,
      live: o.live,
      fusedKernels: o.fusedKernels,
      parallel: helpers?.part,
    }).catch((e: unknown) => {
      throw rootCause(e, helpers);
    });
    await helpers?.finished;
    const evaluation = await evaluate(net, data);
    return {
      ...trainingEvidence({
        layer: o.layerName ?? layer.getClassName(),
        backend: tf.getBackend(),
        device,
        seed: o.seed,
        data,
        result,
        evaluation,
      }),
      workers: plan.workers,
      ...(plan.why ? { workersNote: plan.why } : {}),
    };
  } finally {
    await helpers?.stop();
    net.dispose();
    disposeLayer(layer);
  }
}

/** How many workers train this run, and why fewer than asked. */
function planWorkers(o: TrainingRunOptions, make: () => unknown): { workers: number; spec?: LayerSpec; why?: string } {
  const asked = Math.max(1, Math.min(MAX_WORKERS, Math.floor(o.workers ?? 1)));
  if (asked === 1) return { workers: 1 };
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu')
    return { workers: 1, why: `one worker: data-parallel training runs on the CPU backends, not ${backend}` };
  const spec: LayerSpec | undefined = o.layer ? o.layerSpec : { kind: 'reference' };
  if (!spec)
    return { workers: 1, why: 'one worker: the layer was not loaded from a file, so no other thread can make it' };
  const numInputs = o.numInputs ?? 1;
  const probe = buildLayer(make, o.seed, numInputs);
  try {
    const why = splitsAcrossWorkers(probe, numInputs);
    if (why) return { workers: 1, why: `one worker: ${why}` };
  } finally {
    disposeLayer(probe);
  }
  return { workers: asked, spec };
}

/** Frees a layer's weights; a layer that refuses (never used, already disposed) keeps them. */
export function disposeLayer(layer: tf.layers.Layer): void {
  try {
    layer.dispose();
  } catch {
    // Nothing to free, or a user's layer that cannot be disposed: not this run's failure.
  }
}

function defaultDevice(): string {
  const b = tf.getBackend();
  return b === 'wasm' ? 'CPU (wasm)' : b === 'webgpu' ? 'WebGPU' : `CPU (${b})`;
}
