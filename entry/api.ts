/**
 * The programmatic API: check a layer from your own code (the vitest helper uses it).
 *
 *   const run = await checkLayer(new URL('./my-elu.ts', import.meta.url), { suites: ['shape', 'gradient'] });
 *   if (run.exitCode !== 0) console.log(run.checks.filter((c) => c.status !== 'passed'));
 *
 * A layer given as a file (a path or a file URL) runs in the check process the CLI uses (a child
 * process): a check that hangs is stopped after `timeoutSeconds` and failed, and so is one that
 * runs away with memory or ends the process. A layer given as a value (an instance, a factory or a
 * class) cannot be moved to another process: it runs here, in the caller's thread, where a layer
 * that never returns hangs the caller.
 */
import type { InputSize } from '../harness/options.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LayerLoadError, UsageError } from '../harness/errors.ts';
import { isLayer, type LayerSource } from '../harness/layer-under-test.ts';
import { CATALOG, catalogEntry, isCheckId } from '../harness/catalog.ts';
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
import { writeReports } from '../reports/write-reports.ts';
import { assembleRun, unknownLayer } from './assemble-run.ts';
import { CheckProcessSlot, layerOutputLine, runFileIsolated, type RunDeadline } from './run-file.ts';
import { describeLayer, enterBackend, makeSubject } from './run-layer.ts';
import { tf } from '../harness/tf.ts';
import { ALL_CHECKS } from '../suites/index.ts';

/** Names, defaults and bounds of these options are the options table's (harness/options.ts). */
export interface CheckLayerOptions extends Partial<ApiOptionValues> {
  /**
   * Size of one observation, e.g. [24, 24, 20]. Required for a layer given as a value; a layer
   * file's `inputSize` export is used when it is not given.
   */
  inputSize?: InputSize;
  /** A layer given as a value: shown as its file in reports. */
  name?: string;
  /** Progress lines of long checks (training). */
  progress?: (line: string) => void;
  /**
   * A layer given as a file: each line its code prints (console.log, console.error). By default
   * it goes to this process's stdout or stderr, prefixed with the file's name.
   */
  output?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** A layer file: a path (relative to the current folder) or a `file:` URL. */
export type LayerFile = string | URL;

/** Data shared by in-process runs (the digits, the reference network's training run). */
const sharedCache = new Map<string, unknown>();

/** A layer instance, a factory `() => layer`, or a layer class with a no-argument constructor. */
export function layerSourceOf(layer: unknown): LayerSource {
  if (isLayer(layer)) return { kind: 'instance', value: layer };
  if (typeof layer === 'function' && layer.prototype instanceof tf.layers.Layer)
    return { kind: 'class', value: layer as new () => unknown };
  if (typeof layer === 'function') return { kind: 'factory', value: layer as () => unknown };
  throw new UsageError(
    `checkLayer: expected a layer file (a path or a URL), a layer, a factory () => layer or a layer class; got ${layer === null ? 'null' : typeof layer}`,
  );
}

/** Whether `layer` names a file rather than being a layer. */
export function isLayerFile(layer: unknown): layer is LayerFile {
  return typeof layer === 'string' || layer instanceof URL;
}

/** The file as the run shows it: relative to the current folder when it is inside it. */
export function layerFilePath(file: LayerFile): string {
  const s = typeof file === 'string' ? file : file.href;
  if (s.trim() === '') throw new UsageError('checkLayer: the layer file is an empty string; give a path or a URL');
  let abs: string;
  if (file instanceof URL || s.startsWith('file:')) {
    const url = file instanceof URL ? file : new URL(s);
    if (url.protocol !== 'file:')
      throw new UsageError(`checkLayer: ${url.href} is not a file URL; give a path or a file: URL`);
    abs = fileURLToPath(url);
  } else {
    abs = path.resolve(s);
  }
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/**
 * Checks a layer and returns the run's result (the JSON report's content). `layer` is a layer
 * file (a path or a URL; safest: its checks run in a child process that can be stopped), a layer
 * instance, a factory `() => layer` or a layer class. With `reportDir`, the reports are written
 * there too.
 */
export async function checkLayer(layer: unknown, options: CheckLayerOptions = {}): Promise<RunResult> {
  if (isLayerFile(layer)) return checkLayerFile(layer, options);
  return withReports(await checkLayerInProcess(layer, options), options);
}

/** Writes the run's reports when the options ask for them (`reportDir`). */
async function withReports(run: RunResult, options: CheckLayerOptions): Promise<RunResult> {
  if (options.reportDir !== undefined) {
    const resolved = resolveRunOptions(apiOptions(options));
    await writeReports([run], resolved.reportDir, resolved.formats);
  }
  return run;
}

/**
 * A layer file, in a check process of its own (ended when the run is done). `deadline` limits
 * the whole run (describeLayer's timeout) on top of each check's `timeoutSeconds`.
 */
export async function checkLayerFile(
  file: LayerFile,
  options: CheckLayerOptions,
  deadline?: RunDeadline,
): Promise<RunResult> {
  const shown = layerFilePath(file);
  const resolved = resolveRunOptions(apiOptions(options));
  const ids = selectChecks(CATALOG, resolved).map((c) => c.id);
  const output =
    options.output ??
    ((stream, line) =>
      (stream === 'stdout' ? process.stdout : process.stderr).write(`${layerOutputLine(shown, line)}\n`));
  const slot = new CheckProcessSlot();
  try {
    const run = await runFileIsolated(
      shown,
      resolved,
      ids,
      { onProgress: (_id, line) => options.progress?.(line), onOutput: output },
      { slot, deadline },
    );
    return await withReports(run, options);
  } finally {
    slot.retire();
  }
}

/** A layer given as a value: made and checked in this thread. */
async function checkLayerInProcess(layer: unknown, options: CheckLayerOptions): Promise<RunResult> {
  const startedAt = new Date();
  const resolved: RunOptions = resolveRunOptions(apiOptions(options));
  const file = options.name ?? '<checkLayer>';
  if (!resolved.inputSize)
    throw new UsageError('checkLayer: options.inputSize is required, e.g. { inputSize: [24, 24, 20] }');
  const source = layerSourceOf(layer);
  const { environment } = await enterBackend(resolved.backend);
  let subject;
  try {
    subject = makeSubject(source, resolved.inputSize, resolved.seed, file, 'default');
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
