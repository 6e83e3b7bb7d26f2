/**
 * `train` on the webgpu backend: the same schedule, update rule and results as `train.ts` (which
 * hands over to this), each iteration run by `fusedStep` as a few WGSL programs around the layer
 * under test. The parameters live in one packed state tensor during training and go back into the
 * network's variables at the end; nothing is read back per iteration except the loss and accuracy,
 * in one read every `verboseFrequency` iterations.
 */
import { deriveSeed, makeRng } from '../../../harness/random.ts';
import { tf, type Tensor } from '../../../harness/tf.ts';
import { permutation } from '../digits.ts';
import { formatTableFooter, formatTableHeader, formatTableRow, type TableRow } from '../progress-table.ts';
import { sumImageMoments } from '../stem.ts';
import type { TrainOptions, TrainResult, TrainingSettings } from '../train.ts';
import { setPopulationStatistics } from '../train.ts';
import { backwardSeed, fusedStep, miniBatchRecord, type FusedContext } from './fused-step.ts';
import { pack, packedLayout, unpack } from './packed-state.ts';
import { HEAD_ROW, TAPS } from './programs.ts';

export async function trainFused(o: TrainOptions): Promise<TrainResult> {
  const net = o.network;
  const data = o.data;
  const epochs = o.epochs ?? 30;
  const batch = Math.min(o.miniBatchSize ?? 128, data.trainSize);
  const lr = o.learningRate ?? 0.01;
  const momentum = o.momentum ?? 0.9;
  const l2 = o.l2Regularization ?? 1e-4;
  const every = o.verboseFrequency ?? 50;
  const out = o.out ?? (() => {});
  const live = o.live ?? (process.stderr.isTTY === true && !process.env['CI']);
  const perEpoch = Math.floor(data.trainSize / batch);
  const total = perEpoch * epochs;
  const learnables = net.learnables();
  const settings: TrainingSettings = {
    epochs,
    miniBatchSize: batch,
    iterationsPerEpoch: perEpoch,
    learningRate: lr,
    momentum,
    l2Regularization: l2,
    l2AppliesTo: learnables.filter((l) => l.l2).map((l) => l.name),
    shuffle: 'every-epoch',
    batchNormStatistics: 'population',
  };

  const layout = packedLayout(net);
  const ctx: FusedContext = {
    net,
    layout,
    batch,
    settings: { learningRate: lr, momentum, l2 },
    images: tf.tensor1d(data.trainImages),
    seed: backwardSeed(batch),
  };
  let state = pack(net, layout);

  const loss: number[] = [];
  const accuracy: number[] = [];
  const table: TableRow[] = [];
  const pending: Tensor[] = [];
  const random = makeRng(deriveSeed(o.seed, 'shuffle'));
  let stopped: string | undefined;
  let iteration = 0;
  const started = performance.now();
  let lastLive = 0;

  out(`Training on ${o.device}`);
  for (const line of formatTableHeader()) out(line);

  const flush = async (epoch: number) => {
    if (!pending.length) return;
    const all = pending.length === 1 ? pending[0]! : tf.concat(pending);
    const values = await all.data();
    if (all !== pending[0]) all.dispose();
    tf.dispose(pending.splice(0));
    const first = loss.length;
    for (let i = 0; i < values.length; i += batch * HEAD_ROW) {
      const r = miniBatchRecord(values, i, batch);
      loss.push(r.loss);
      accuracy.push(r.accuracy);
    }
    const row: TableRow = {
      epoch,
      iteration: loss.length,
      seconds: (performance.now() - started) / 1000,
      loss: loss[loss.length - 1]!,
      accuracy: accuracy[accuracy.length - 1]!,
      learningRate: lr,
    };
    table.push(row);
    if (live) process.stderr.write('\r\x1b[K');
    out(formatTableRow(row));
    const bad = loss.findIndex((v, i) => i >= first && !Number.isFinite(v));
    if (bad >= 0) stopped = `training loss is ${loss[bad]} at iteration ${bad + 1}`;
  };

  try {
    for (let epoch = 1; epoch <= epochs && !stopped; epoch++) {
      const order = permutation(data.trainSize, random);
      for (let it = 0; it < perEpoch && !stopped; it++) {
        const idx = order.subarray(it * batch, (it + 1) * batch);
        const ids = new Int32Array(2 * batch);
        ids.set(idx);
        for (let n = 0; n < batch; n++) ids[batch + n] = data.trainLabels[idx[n]!]!;
        const { G, psum } = sumImageMoments(data.trainImages, idx);
        const moments = new Float32Array(TAPS * TAPS + TAPS);
        moments.set(G);
        moments.set(psum, TAPS * TAPS);
        const inputs = { ids: tf.tensor1d(ids, 'int32'), moments: tf.tensor1d(moments) };
        try {
          const r = fusedStep(ctx, state, inputs);
          state.dispose();
          state = r.state;
          pending.push(r.record);
        } finally {
          tf.dispose([inputs.ids, inputs.moments]);
        }
        iteration++;
        if (iteration === 1 || iteration % every === 0 || iteration === total) await flush(epoch);
        if (live) {
          const now = performance.now();
          if (now - lastLive > 200 || iteration === total) {
            lastLive = now;
            const rate = (iteration * batch) / ((now - started) / 1000);
            process.stderr.write(
              `\r\x1b[Kepoch ${epoch}/${epochs}  iteration ${iteration}/${total}  ${Math.round(rate)} images/s`,
            );
          }
        }
      }
    }
    await flush(Math.min(epochs, Math.ceil(iteration / perEpoch)));
    const seconds = (performance.now() - started) / 1000;
    if (live) process.stderr.write('\r\x1b[K');
    out(formatTableFooter());
    if (stopped) out(`Training stopped: ${stopped}`);
    unpack(state, net, layout);
    if (o.populationStatistics !== false) setPopulationStatistics(net, data);
    return {
      settings,
      iterations: loss.length,
      loss,
      accuracy,
      table,
      seconds,
      imagesPerSecond: (loss.length * batch) / seconds,
      stopped,
    };
  } finally {
    tf.dispose(pending);
    tf.dispose([state, ctx.images, ctx.seed]);
  }
}
