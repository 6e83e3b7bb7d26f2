/**
 * The programmatic API: check a layer from your own code (the vitest helper uses it). Runs in
 * this process: there is no per-check timeout here (the CLI has one); your test runner's applies.
 *
 *   const run = await checkLayer(() => new MyElu(), { inputSize: [24, 24, 20], suites: ['shape', 'gradient'] });
 *   if (run.exitCode !== 0) console.log(run.checks.filter((c) => c.status !== 'passed'));
 */
import { LayerLoadError, UsageError } from '../harness/errors.ts';
import { isLayer, type LayerSource } from '../harness/layer-under-test.ts';
import { catalogEntry, isCheckId } from '../harness/catalog.ts';
import {
  apiOptions,
  resolveRunOptions,
  selectChecks,
  type ApiOptionValues,
  type RunOptions,
} from '../harness/options.ts';
import { apiReplay } from '../harness/replay.ts';
import type { RunResult } from '../harness/result.ts';
import { runChecks } from '../harness/run-checks.ts';
import { assembleRun, unknownLayer } from './assemble-run.ts';
import { describeLayer, enterBackend, makeSubject } from './run-layer.ts';
import { tf } from '../harness/tf.ts';
import { ALL_CHECKS } from '../suites/index.ts';

/** Names, defaults and bounds of these options are the options table's (harness/options.ts). */
export interface CheckLayerOptions extends Partial<ApiOptionValues> {
  /** Size of one observation, e.g. [24, 24, 20]. Required. */
  inputSize: number[];
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
  const resolved: RunOptions = resolveRunOptions(apiOptions(options));
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
    replay: (id) => (isCheckId(id) ? apiReplay(catalogEntry(id), resolved) : ''),
  });
  return assembleRun({ startedAt, options: resolved, layer: describeLayer(subject), environment, checks });
}
