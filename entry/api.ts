/**
 * The programmatic API: check a layer from your own code (the vitest helper uses it). Runs in
 * this process: there is no per-check timeout here (the CLI has one); your test runner's applies.
 *
 *   const run = await checkLayer(() => new MyElu(), { inputSize: [24, 24, 20], suites: ['shape', 'gradient'] });
 *   if (run.exitCode !== 0) console.log(run.checks.filter((c) => c.status !== 'passed'));
 */
import type { BackendChoice } from '../harness/backends.ts';
import { LayerLoadError, UsageError } from '../harness/errors.ts';
import { isLayer, type LayerSource } from '../harness/layer-under-test.ts';
import { resolveRunOptions, selectChecks, type RunOptions } from '../harness/options.ts';
import type { RunResult, SuiteId } from '../harness/result.ts';
import { runChecks } from '../harness/run-checks.ts';
import { assembleRun, unknownLayer } from './assemble-run.ts';
import { describeLayer, enterBackend, makeSubject } from './run-layer.ts';
import { tf } from '../harness/tf.ts';
import { ALL_CHECKS } from '../suites/index.ts';

export interface CheckLayerOptions {
  /** Size of one observation, e.g. [24, 24, 20]. Required. */
  inputSize: number[];
  suites?: SuiteId[] | 'all';
  checks?: string[];
  seed?: number;
  backend?: BackendChoice;
  exhaustive?: boolean;
  epochs?: number;
  trainSize?: number;
  testSize?: number;
  trainBackend?: BackendChoice;
  /** Training suite: worker threads training on the CPU (default: the cores, at most 8). */
  trainWorkers?: number;
  /** Shown as the layer's file in reports. */
  name?: string;
  /** Progress lines of long checks (training). */
  progress?: (line: string) => void;
}

/** Data shared by runs in this process (the digits, the reference network's training run). */
const sharedCache = new Map<string, unknown>();

/** A layer instance, a factory `() => layer`, or a layer class with a no-argument constructor. */
export function layerSourceOf(layer: unknown): LayerSource {
  if (isLayer(layer)) return { kind: 'instance', value: layer };
  if (typeof layer === 'function' && layer.prototype instanceof tf.layers.Layer)
    return { kind: 'class', value: layer as new () => unknown };
  if (typeof layer === 'function') return { kind: 'factory', value: layer as () => unknown };
  throw new UsageError(`checkLayer: expected a layer, a factory () => layer or a layer class; got ${typeof layer}`);
}

export async function checkLayer(layer: unknown, options: CheckLayerOptions): Promise<RunResult> {
  const startedAt = new Date();
  const resolved: RunOptions = resolveRunOptions({
    suites: options.suites,
    checks: options.checks,
    seed: options.seed,
    backend: options.backend,
    inputSize: options.inputSize,
    exhaustive: options.exhaustive,
    epochs: options.epochs,
    trainSize: options.trainSize,
    testSize: options.testSize,
    trainBackend: options.trainBackend,
    trainWorkers: options.trainWorkers,
  });
  const file = options.name ?? '<checkLayer>';
  if (!resolved.inputSize)
    throw new UsageError('checkLayer: options.inputSize is required, e.g. { inputSize: [24, 24, 20] }');
  const { environment } = await enterBackend(resolved.backend);
  let subject;
  try {
    subject = makeSubject(layerSourceOf(layer), resolved.inputSize, resolved.seed, file, 'default');
  } catch (e) {
    if (!(e instanceof LayerLoadError)) throw e;
    return assembleRun({
      startedAt,
      options: resolved,
      layer: unknownLayer(file, 'default', resolved.inputSize),
      environment,
      checks: [],
      loadError: { message: e.message },
    });
  }
  const checks = await runChecks({
    subject,
    checks: selectChecks(ALL_CHECKS, resolved),
    seed: resolved.seed,
    options: resolved,
    cache: sharedCache,
    progress: options.progress,
  });
  return assembleRun({ startedAt, options: resolved, layer: describeLayer(subject), environment, checks });
}
