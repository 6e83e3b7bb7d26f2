/**
 * `train` on the webgpu backend: the same schedule, update rule and results as `train.ts` (which
 * hands over to this), each iteration run by `fusedStep` as a few WGSL programs around the layer
 * under test. The parameters live in one packed state tensor during training and go back into the
 * network's variables at the end; nothing is read back per iteration except the loss and accuracy,
 * in one read every `verboseFrequency` iterations.
 */
import { tf, type Tensor } from '../../../harness/tf.ts';
import type { DigitSplit } from '../digits.ts';
import { sumImageMoments } from '../stem.ts';
import type { TrainOptions, TrainResult } from '../train.ts';
import { setPopulationStatistics } from '../train.ts';
import { runSchedule, scheduleOf, TrainingLog } from '../training-loop.ts';
import { backwardSeed, fusedStep, miniBatchRecord, type FusedContext } from './fused-step.ts';
import { pack, packedLayout, unpack } from './packed-state.ts';
import { HEAD_ROW, TAPS } from './programs.ts';

export async function trainFused(o: TrainOptions): Promise<TrainResult> {
  const net = o.network;
  const data = o.data;
  const schedule = scheduleOf(o, net);
  const { miniBatchSize: batch, learningRate, momentum, l2Regularization: l2 } = schedule.settings;
  const layout = packedLayout(net);
  const ctx: FusedContext = {
    net,
    layout,
    batch,
    settings: { learningRate, momentum, l2 },
    images: tf.tensor1d(data.trainImages),
    seed: backwardSeed(batch),
  };
  let state = pack(net, layout);
  const pending: Tensor[] = [];
  const log = new TrainingLog(schedule, o.device);
  try {
    await runSchedule(
      schedule,
      o.seed,
      data.trainSize,
      log,
      (idx) => {
        const inputs = miniBatchInputs(data, idx);
        try {
          const r = fusedStep(ctx, state, inputs);
          state.dispose();
          state = r.state;
          pending.push(r.record);
        } finally {
          tf.dispose([inputs.ids, inputs.moments]);
        }
      },
      (epoch) => flushRecords(pending, log, epoch, batch),
    );
    const result = log.finish();
    unpack(state, net, layout);
    if (o.populationStatistics !== false) setPopulationStatistics(net, data);
    return result;
  } finally {
    tf.dispose(pending);
    tf.dispose([state, ctx.images, ctx.seed]);
  }
}

/** A mini-batch as the fused programs read it: image ids then labels, and the images' patch moments. */
function miniBatchInputs(data: DigitSplit, idx: Int32Array): { ids: Tensor; moments: Tensor } {
  const batch = idx.length;
  const ids = new Int32Array(2 * batch);
  ids.set(idx);
  for (let n = 0; n < batch; n++) ids[batch + n] = data.trainLabels[idx[n]!]!;
  const { G, psum } = sumImageMoments(data.trainImages, idx);
  const moments = new Float32Array(TAPS * TAPS + TAPS);
  moments.set(G);
  moments.set(psum, TAPS * TAPS);
  return { ids: tf.tensor1d(ids, 'int32'), moments: tf.tensor1d(moments) };
}

/** Reads back the head records of the iterations since the last flush, in one read. */
async function flushRecords(pending: Tensor[], log: TrainingLog, epoch: number, batch: number): Promise<void> {
  if (!pending.length) return;
  const all = pending.length === 1 ? pending[0]! : tf.concat(pending);
  const values = await all.data();
  if (all !== pending[0]) all.dispose();
  tf.dispose(pending.splice(0));
  const loss: number[] = [];
  const accuracy: number[] = [];
  for (let i = 0; i < values.length; i += batch * HEAD_ROW) {
    const r = miniBatchRecord(values, i, batch);
    loss.push(r.loss);
    accuracy.push(r.accuracy);
  }
  log.record(epoch, loss, accuracy);
}
