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
import { DEFAULT_RUN_OPTIONS, parseBackend, parseNumber } from '../harness/options.ts';

type Out = { out: (s: string) => void; err: (s: string) => void };

export async function runTrainFromCli(argv: string[], io: Out): Promise<number> {
  let helpText = '';
  const args = (await yargs(argv)
    .scriptName('check-layer train')
    .usage(
      'Usage: check-layer train [--layer FILE] [options]\n\nTrains the seed network with a layer (the reference ELU by default) on real handwritten digits.',
    )
    .wrap(Math.min(120, process.stdout.columns || 120))
    .option('layer', {
      type: 'string',
      describe: 'Layer file to put after batch normalization (default: the reference ELU)',
    })
    .option('export', { type: 'string', describe: 'Named export of the layer file to use' })
    .option('backend', {
      type: 'string',
      describe: 'cpu, wasm, webgpu, or auto (webgpu on a GPU, else wasm)',
      default: 'auto',
    })
    .option('epochs', { type: 'string', describe: 'Epochs', default: String(DEFAULT_RUN_OPTIONS.epochs) })
    .option('train-size', {
      type: 'string',
      describe: 'Training digits',
      default: String(DEFAULT_RUN_OPTIONS.trainSize),
    })
    .option('test-size', { type: 'string', describe: 'Test digits', default: String(DEFAULT_RUN_OPTIONS.testSize) })
    .option('seed', {
      type: 'string',
      describe: 'Seed for the initial weights and the shuffling (the 5,000/5,000 split of the digits is fixed)',
      default: String(DEFAULT_RUN_OPTIONS.seed),
    })
    .option('workers', {
      type: 'string',
      describe: 'Worker threads training on the CPU (data-parallel)',
      default: String(DEFAULT_RUN_OPTIONS.trainWorkers),
    })
    .option('verbose', { type: 'boolean', describe: 'Show stack traces' })
    .example('check-layer train', 'the seed walkthrough: 30 epochs of 5,000 digits with the reference ELU')
    .example('check-layer train --layer ./myLayer.ts --epochs 5', 'your layer, shortened')
    .help('help')
    .alias('help', 'h')
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(
        `train: ${(msg ?? err?.message ?? 'bad arguments').split('\n')[0]}; see check-layer train --help`,
      );
    })
    .parseAsync(argv, {}, (_e, _a, output) => {
      helpText = output;
    })) as Record<string, unknown>;
  if (helpText) {
    io.out(helpText);
    return 0;
  }
  const backend = parseBackend(args['backend']);
  const epochs = parseNumber(args['epochs'], '--epochs', { min: 1, integer: true });
  const trainSize = parseNumber(args['train-size'], '--train-size', { min: 128, integer: true });
  const testSize = parseNumber(args['test-size'], '--test-size', { min: 10, integer: true });
  const seed = parseNumber(args['seed'], '--seed', { min: 0, integer: true });
  const workers = parseNumber(args['workers'], '--workers', { min: 1, integer: true });
  let layerSpec: LayerSpec | undefined;
  let layer: (() => unknown) | undefined;
  let layerName: string | undefined;
  if (typeof args['layer'] === 'string') {
    const loaded = await loadLayerFile(args['layer'], typeof args['export'] === 'string' ? args['export'] : 'default');
    const src = loaded.source;
    layer = src.kind === 'instance' ? () => src.value : src.kind === 'class' ? () => new src.value() : src.value;
    layerName = args['layer'];
    layerSpec = { kind: 'file', file: loaded.file, exportName: loaded.exportName, inputSize: [24, 24, 20] };
  }
  const ev = await runTrainCommand({
    layer,
    layerName,
    layerSpec,
    backend,
    epochs,
    trainSize,
    testSize,
    seed,
    workers,
    out: io.out,
  });
  return ev.stopped ? 1 : 0;
}
