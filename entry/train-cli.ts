/**
 * `check-layer train`: the walkthrough as a command. Trains the seed network (conv 5x5x20, batch
 * norm, THE LAYER, fully connected 10, softmax) on real digits with MATLAB's sgdm defaults, prints
 * the progress table and the test accuracy. Runs in this process (no per-check timeout).
 */
import type { LayerSpec } from '../reference-layers/training/data-parallel.ts';
import yargs from 'yargs';
import { runTrainCommand } from '../reference-layers/training/train-command.ts';
import { UsageError } from '../harness/errors.ts';
import { loadLayerFile } from '../harness/load-layer.ts';
import { resolveRunOptions, type RunOptions } from '../harness/options.ts';
import {
  declareOptions,
  helpWidth,
  joinDashedValues,
  looseOptions,
  optionHelp,
  renderEntries,
  renderExamples,
  renderParagraphs,
  valueFlags,
  type FlagOverrides,
} from './cli-options.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

/** The train command's options: the table's entries (types, defaults, bounds), some named and told differently here. */
const KEYS = [
  'exportName',
  'trainBackend',
  'epochs',
  'trainSize',
  'testSize',
  'seed',
  'trainWorkers',
  'verbose',
] as const satisfies readonly (keyof RunOptions)[];
const OVERRIDES: FlagOverrides = {
  exportName: { describe: 'Named export of the layer file to use' },
  trainBackend: { flag: 'backend', describe: 'cpu, wasm, webgpu, or auto (webgpu on a GPU, else wasm)' },
  epochs: { describe: 'Epochs' },
  trainSize: { describe: 'Training digits' },
  testSize: { describe: 'Test digits' },
  seed: { describe: 'Seed for the initial weights and the shuffling (the 5,000/5,000 split of the digits is fixed)' },
  trainWorkers: { describe: 'Worker threads training on the CPU (data-parallel)' },
  verbose: { describe: 'Show stack traces' },
};
const LAYER_HELP = {
  flags: '--layer',
  describe: 'Layer file to put after batch normalization (default: the reference ELU)',
  tags: '[string]',
};

export function trainHelpText(width = helpWidth()): string {
  return [
    'Usage: check-layer train [--layer FILE] [options]',
    '',
    ...renderParagraphs(
      'Trains the seed network with a layer (the reference ELU by default) on real handwritten digits.',
      width,
    ),
    '',
    ...renderEntries(
      'Options',
      [
        { flags: '-h, --help', describe: 'Show help', tags: '[boolean]' },
        LAYER_HELP,
        ...KEYS.map((k) => optionHelp(k, OVERRIDES)),
      ],
      width,
    ),
    '',
    ...renderExamples(
      [
        ['check-layer train', 'the seed walkthrough: 30 epochs of 5,000 digits with the reference ELU'],
        ['check-layer train --layer ./myLayer.ts --epochs 5', 'your layer, shortened'],
      ],
      width,
    ),
  ].join('\n');
}

async function parseTrainArgs(argv: string[]): Promise<Record<string, unknown>> {
  const y = yargs(argv)
    .scriptName('check-layer train')
    .help(false)
    .version(false)
    .option('help', { alias: 'h', type: 'boolean' })
    .option('layer', { type: 'string' })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(
        `train: ${(msg ?? err?.message ?? 'bad arguments').split('\n')[0]}; see check-layer train --help`,
      );
    });
  const args = joinDashedValues(argv, [...valueFlags(KEYS, OVERRIDES), 'layer']);
  return await declareOptions(y, KEYS, OVERRIDES).parseAsync(args);
}

export async function runTrainFromCli(argv: string[], io: Out): Promise<number> {
  const args = await parseTrainArgs(argv);
  if (args['help']) {
    io.out(trainHelpText());
    return 0;
  }
  const o = resolveRunOptions(looseOptions(args, KEYS, OVERRIDES), { trainBackend: 'backend' });
  let layerSpec: LayerSpec | undefined;
  let layer: (() => unknown) | undefined;
  let layerName: string | undefined;
  let numInputs = 1;
  if (args['layer'] !== undefined) {
    layerName = parseLayerFile(args['layer']);
    const loaded = await loadLayerFile(layerName, o.exportName);
    const src = loaded.source;
    layer = src.kind === 'instance' ? () => src.value : src.kind === 'class' ? () => new src.value() : src.value;
    // Several inputs (the file's inputSize is a list): the activation at each, as trainsToAccuracy trains it.
    numInputs = Array.isArray(loaded.inputSize?.[0]) ? loaded.inputSize.length : 1;
    const activation = [24, 24, 20];
    const inputSize = numInputs === 1 ? activation : Array.from({ length: numInputs }, () => activation);
    layerSpec = { kind: 'file', file: loaded.file, exportName: loaded.exportName, inputSize };
  }
  const ev = await runTrainCommand({
    layer,
    layerName,
    layerSpec,
    backend: o.trainBackend,
    epochs: o.epochs,
    trainSize: o.trainSize,
    testSize: o.testSize,
    seed: o.seed,
    workers: o.trainWorkers,
    out: io.out,
    numInputs,
  });
  return ev.stopped ? 1 : 0;
}

function parseLayerFile(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '')
    throw new UsageError('--layer: empty value; give a layer file such as ./myLayer.ts');
  return v;
}
