/**
 * `check-layer train [--layer FILE] [--backend ...]`: the seed's walkthrough as a command. Trains
 * the seed network with a layer (the reference ELU by default), prints where it trains, the
 * progress table and the test accuracy, and returns the evidence. The CLI loads the layer file
 * and resolves the options; this only needs a factory.
 */
import { useBackend, type BackendChoice } from '../../harness/backends.ts';
import { tf } from '../../harness/tf.ts';
import type { LayerSpec } from './data-parallel.ts';
import type { TrainingEvidence } from './evaluate.ts';
import { runTraining } from './run-training.ts';

export interface TrainCommandOptions {
  /** Makes the layer to train with (from --layer FILE); undefined for the reference ELU. */
  layer?: () => unknown;
  /** How to name it in the output, e.g. the file; default its class name. */
  layerName?: string;
  /** How a training worker thread makes the layer (its file); needed for workers > 1 with a layer. */
  layerSpec?: LayerSpec;
  /** Worker threads training on the CPU (data-parallel); default 1. */
  workers?: number;
  /** auto: webgpu on a real GPU, else wasm. */
  backend: BackendChoice;
  epochs: number;
  trainSize: number;
  testSize: number;
  seed: number;
  /** Receives every line to print (stdout). */
  out: (line: string) => void;
  /** Live progress line on stderr; default when stderr is a terminal and CI is not set. */
  live?: boolean;
  /** The layer's inputs (default 1): each gets the activation, and the network trains on its first output. */
  numInputs?: number;
}

export async function runTrainCommand(o: TrainCommandOptions): Promise<TrainingEvidence> {
  const status = await useBackend(o.backend);
  if (status.name === 'cpu')
    o.out('Note: the cpu backend trains this network at about 14 images/s; --backend wasm is about 100x faster.');
  const ev = await runTraining({
    layer: o.layer,
    layerName: o.layerName,
    layerSpec: o.layerSpec,
    workers: o.workers,
    seed: o.seed,
    epochs: o.epochs,
    trainSize: o.trainSize,
    testSize: o.testSize,
    device: status.device ?? tf.getBackend(),
    out: o.out,
    live: o.live,
    numInputs: o.numInputs,
  });
  for (const line of summaryLines(ev)) o.out(line);
  return ev;
}

/** The lines after the table: accuracy, per-class accuracy, speed. */
export function summaryLines(ev: TrainingEvidence): string[] {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const right = Math.round(ev.testAccuracy * ev.data.testSize);
  return [
    ...(ev.stopped ? [`Training stopped early: ${ev.stopped}`] : []),
    `Test accuracy: ${pct(ev.testAccuracy)} (${right} of ${ev.data.testSize} test digits), test loss ${ev.testLoss === null ? 'not finite' : ev.testLoss.toFixed(4)}`,
    `Per digit: ${ev.perClassAccuracy.map((v, c) => `${c} ${v === null ? '-' : pct(v)}`).join(', ')}`,
    `Layer ${ev.layer}; ${ev.iterations} iterations, ${ev.settings.epochs} epoch${ev.settings.epochs === 1 ? '' : 's'} of ${ev.data.trainSize} digits in ${ev.seconds.toFixed(1)} s (${ev.imagesPerSecond} images/s) on ${ev.device}; seed ${ev.seed}`,
  ];
}
