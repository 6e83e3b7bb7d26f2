/**
 * What every training path shares (`train.ts` on cpu and wasm, `webgpu/train-fused.ts`): the
 * settings resolved from the options, the seeded epoch and mini-batch schedule, the progress
 * table with its live line, the stop on a non-finite loss, and the result. The paths differ only
 * in how one iteration runs and how its loss and accuracy are read back.
 */
import { deriveSeed, makeRng } from '../../harness/random.ts';
import { permutation } from './digits.ts';
import { formatTableFooter, formatTableHeader, formatTableRow, type TableRow } from './progress-table.ts';
import type { SeedNetwork } from './seed-network.ts';
import type { TrainOptions, TrainResult, TrainingSettings } from './train.ts';

/** The options with their defaults (MATLAB's sgdm), and what follows from them. */
export interface Schedule {
  settings: TrainingSettings;
  /** A table row every this many iterations (and the first and last). */
  every: number;
  /** Iterations in all: iterationsPerEpoch x epochs. */
  total: number;
  out: (line: string) => void;
  live: boolean;
}

export function scheduleOf(o: TrainOptions, net: SeedNetwork): Schedule {
  const epochs = o.epochs ?? 30;
  const batch = Math.min(o.miniBatchSize ?? 128, o.data.trainSize);
  const perEpoch = Math.floor(o.data.trainSize / batch);
  return {
    settings: {
      epochs,
      miniBatchSize: batch,
      iterationsPerEpoch: perEpoch,
      learningRate: o.learningRate ?? 0.01,
      momentum: o.momentum ?? 0.9,
      l2Regularization: o.l2Regularization ?? 1e-4,
      l2AppliesTo: net
        .learnables()
        .filter((l) => l.l2)
        .map((l) => l.name),
      shuffle: 'every-epoch',
      batchNormStatistics: 'population',
    },
    every: o.verboseFrequency ?? 50,
    total: perEpoch * epochs,
    out: o.out ?? (() => {}),
    live: o.live ?? (process.stderr.isTTY === true && !process.env['CI']),
  };
}

/** The loss and accuracy of every iteration, the table rows, the live line and the stop reason. */
export class TrainingLog {
  readonly loss: number[] = [];
  readonly accuracy: number[] = [];
  readonly table: TableRow[] = [];
  stopped: string | undefined;
  private started = performance.now();
  private lastLive = 0;

  constructor(
    private readonly schedule: Schedule,
    device: string,
  ) {
    schedule.out(`Training on ${device}`);
    for (const line of formatTableHeader()) schedule.out(line);
  }

  /** Training time starts now (after workers are ready). */
  restartClock(): void {
    this.started = performance.now();
  }

  /** Iterations read back since the last call: adds them, prints a table row, stops on a non-finite loss. */
  record(epoch: number, loss: ArrayLike<number>, accuracy: ArrayLike<number>): void {
    const first = this.loss.length;
    for (let i = 0; i < loss.length; i++) {
      this.loss.push(loss[i]!);
      this.accuracy.push(accuracy[i]!);
    }
    const row: TableRow = {
      epoch,
      iteration: this.loss.length,
      seconds: this.seconds(),
      loss: this.loss[this.loss.length - 1]!,
      accuracy: this.accuracy[this.accuracy.length - 1]!,
      learningRate: this.schedule.settings.learningRate,
    };
    this.table.push(row);
    if (this.schedule.live) process.stderr.write('\r\x1b[K');
    this.schedule.out(formatTableRow(row));
    const bad = this.loss.findIndex((v, i) => i >= first && !Number.isFinite(v));
    if (bad >= 0) this.stopped = `training loss is ${this.loss[bad]} at iteration ${bad + 1}`;
  }

  /** The live progress line on stderr, at most five times a second. */
  showProgress(epoch: number, iteration: number): void {
    if (!this.schedule.live) return;
    const { epochs, miniBatchSize } = this.schedule.settings;
    const now = performance.now();
    if (now - this.lastLive <= 200 && iteration !== this.schedule.total) return;
    this.lastLive = now;
    const rate = (iteration * miniBatchSize) / ((now - this.started) / 1000);
    process.stderr.write(
      `\r\x1b[Kepoch ${epoch}/${epochs}  iteration ${iteration}/${this.schedule.total}  ${Math.round(rate)} images/s`,
    );
  }

  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Ends the table; the result, timed to now. */
  finish(): TrainResult {
    const seconds = this.seconds();
    if (this.schedule.live) process.stderr.write('\r\x1b[K');
    this.schedule.out(formatTableFooter());
    if (this.stopped) this.schedule.out(`Training stopped: ${this.stopped}`);
    return {
      settings: this.schedule.settings,
      iterations: this.loss.length,
      loss: this.loss,
      accuracy: this.accuracy,
      table: this.table,
      seconds,
      imagesPerSecond: (this.loss.length * this.schedule.settings.miniBatchSize) / seconds,
      stopped: this.stopped,
    };
  }
}

/**
 * The seeded schedule: every epoch a fresh permutation of the training images, cut into whole
 * mini-batches; `step` runs one, `flush` reads back what ran since the last flush (at the first
 * iteration, every `every`, and the last). Stops early when the log says so.
 */
export async function runSchedule(
  schedule: Schedule,
  seed: number,
  trainSize: number,
  log: TrainingLog,
  step: (indices: Int32Array) => Promise<void> | void,
  flush: (epoch: number) => Promise<void>,
): Promise<void> {
  const { epochs, iterationsPerEpoch: perEpoch, miniBatchSize: batch } = schedule.settings;
  const random = makeRng(deriveSeed(seed, 'shuffle'));
  let iteration = 0;
  for (let epoch = 1; epoch <= epochs && !log.stopped; epoch++) {
    const order = permutation(trainSize, random);
    for (let it = 0; it < perEpoch && !log.stopped; it++) {
      await step(order.subarray(it * batch, (it + 1) * batch));
      iteration++;
      if (iteration === 1 || iteration % schedule.every === 0 || iteration === schedule.total) await flush(epoch);
      log.showProgress(epoch, iteration);
    }
  }
  await flush(Math.min(epochs, Math.ceil(iteration / perEpoch)));
}
