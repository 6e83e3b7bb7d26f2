/**
 * Test support, never imported by a writer: real run results for the writers' tests, made by
 * running real checks on real layers (cpu backend, small input), once per test process.
 *
 *   passing   the reference ELU (in process, through checkLayer)
 *   failing   the naive-mask ELU fixture, through the CLI's worker path (so its failures carry
 *             the CLI's replay commands): NaN in the stability grid
 *   script    a correct ELU whose name, type and description are HTML with scripts
 *   notALayer a factory that returns no layer: a run that could not run (exit 2)
 *   predictThrows  the shape fixture whose predict throws for a batch: failures and incomplete checks
 *   training  the dead-layer fixture through trainsToAccuracy, shortened to one epoch of 128 digits
 *   multiIo   a two-input layer (the gated residual with a naive sigmoid) through the CLI's worker
 *             path, its file's own input sizes: stability failures located at `input 1` or `all inputs`
 *   twoOutputs  a one-input, two-output layer whose backward ignores dLdZ of output 2, through the
 *             CLI's worker path (gradient suite): a failure located at `output 2`
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLayer } from '../entry/api.ts';
import { CATALOG } from '../harness/catalog.ts';
import { resolveRunOptions, selectChecks } from '../harness/options.ts';
import type { RunResult, SuiteId } from '../harness/result.ts';
import { runFileIsolated } from '../entry/run-file.ts';
import { EluLayer } from '../reference-layers/elu-layer.ts';
import { ScriptNamedElu } from '../fixtures/reports/script-in-names.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SUITES: SuiteId[] = ['shape', 'gradient', 'stability'];
export const INPUT_SIZE = [4, 4, 3];

const cache = new Map<string, Promise<RunResult>>();
const once = (key: string, make: () => Promise<RunResult>): Promise<RunResult> => {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key)!;
};

/**
 * The CLI's path for one layer file: options resolved as the CLI does, checks in a worker, replay
 * commands. `inputSize` null: the file's own `inputSize` export.
 */
export function runFileAsCli(
  file: string,
  suites: SuiteId[] = SUITES,
  inputSize: number[] | null = INPUT_SIZE,
): Promise<RunResult> {
  return once(`file:${file}:${suites.join()}:${String(inputSize)}`, async () => {
    const options = resolveRunOptions({ suites, inputSize });
    return runFileIsolated(
      file,
      options,
      selectChecks(CATALOG, options).map((c) => c.id),
    );
  });
}

export const passingRun = (): Promise<RunResult> =>
  once('passing', () =>
    checkLayer(() => new EluLayer(), { inputSize: INPUT_SIZE, suites: SUITES, name: 'reference-layers/elu-layer.ts' }),
  );
export const scriptRun = (): Promise<RunResult> =>
  once('script', () =>
    checkLayer(() => new ScriptNamedElu(), {
      inputSize: INPUT_SIZE,
      suites: SUITES,
      name: 'fixtures/reports/script-in-names.ts',
    }),
  );
export const failingRun = (): Promise<RunResult> => runFileAsCli('fixtures/stability/naive-mask-elu.ts');
export const multiIoRun = (): Promise<RunResult> =>
  runFileAsCli('fixtures/multi-io/gated-residual-naive-sigmoid.ts', ['stability', 'backend'], null);
export const twoOutputsRun = (): Promise<RunResult> =>
  runFileAsCli('fixtures/multi-io/glu-with-gate-ignores-dLdZ2.ts', ['gradient'], null);
export const notALayerRun = (): Promise<RunResult> =>
  once('notALayer', () =>
    checkLayer(() => ({ not: 'a layer' }), { inputSize: INPUT_SIZE, suites: SUITES, name: 'not-a-layer.ts' }),
  );
export const predictThrowsRun = (): Promise<RunResult> =>
  once('predictThrows', async () => {
    const { default: make } = await import('../fixtures/shape/predict-does-not-error.ts');
    return checkLayer(make, {
      inputSize: INPUT_SIZE,
      suites: ['shape'],
      name: 'fixtures/shape/predict-does-not-error.ts',
    });
  });
export const trainingRun = (): Promise<RunResult> =>
  once('training', async () => {
    const { default: make } = await import('../fixtures/training/dead-layer.ts');
    return checkLayer(make, {
      inputSize: [8, 8, 20],
      suites: ['training'],
      epochs: 1,
      trainSize: 128,
      testSize: 50,
      name: 'fixtures/training/dead-layer.ts',
    });
  });
