/**
 * One training iteration of the seed network on WebGPU: the layers around the layer under test as
 * six WGSL programs (programs.ts), the layer under test through its own ops and its own gradient
 * path (a Form B layer's `backward` through `tf.customGrad`, a Form A layer's automatic
 * differentiation), and one slice per learnable of the layer to hand it its updated values.
 *
 * With the reference ELU: 6 programs + 1 slice + the ELU's own 17 dispatches (8 forward, 9
 * backward) = 24 compute dispatches an iteration (bench/train-gpu.ts counts them).
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type Tensor } from '../../../harness/tf.ts';
import { LAYER_INPUT_SIZE, type SeedNetwork } from '../seed-network.ts';
import { assignLayerLearnables, type PackedLayout } from './packed-state.ts';
import {
  HEAD_ROW,
  HeadBackwardProgram,
  HeadForwardProgram,
  POSITIONS,
  SgdmProgram,
  StemBackwardProgram,
  StemForwardProgram,
  StemStatisticsProgram,
  type SgdmSettings,
} from './programs.ts';

export interface FusedContext {
  net: SeedNetwork;
  layout: PackedLayout;
  batch: number;
  settings: SgdmSettings;
  /** Every training image, flat ([count * 784], zero-centred), on the device. */
  images: Tensor;
  /** Ones [batch * 12]: the seed of the backward pass (the head's output stands for the loss). */
  seed: Tensor;
}

/** Per iteration, uploaded: the mini-batch's image indices then labels (int32), and G then colsum(P) (650 floats). */
export interface BatchInputs {
  ids: Tensor;
  moments: Tensor;
}

function backend(): WebGPUBackend {
  if (tf.getBackend() !== 'webgpu')
    throw new Error(`fused WebGPU training needs the webgpu backend, not ${tf.getBackend()}`);
  return tf.backend() as unknown as WebGPUBackend;
}

/** Runs a program; a new program object per call (tfjs appends to its shaderKey when it runs). */
function run(program: WebGPUProgram, inputs: Tensor[]): Tensor {
  const info = backend().runWebGPUProgram(program, inputs, 'float32');
  return tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * Runs one iteration from `state` (packed-state.ts) and returns the new state and the head's
 * output ([batch, 12] flat: per observation dlogits, loss, 1 when right; see `miniBatchRecord`).
 * The layer under test's learnables are assigned their new values.
 */
export function fusedStep(ctx: FusedContext, state: Tensor, batch: BatchInputs): { state: Tensor; record: Tensor } {
  const { net, layout, images } = ctx;
  const B = ctx.batch;
  const o = layout.offsets;
  const F = net.features;
  const layerVars = layout.layerSegments.map((s) => s.learnable.variable);
  // Set inside the gradient tape's closures: the layer's output (kept past the tape) and the head's output.
  const held: { Z?: Tensor; head?: Tensor } = {};
  try {
    return tf.tidy(() => {
      const stats = run(new StemStatisticsProgram(B * POSITIONS, o), [state, batch.moments]);
      const A = tf.reshape(run(new StemForwardProgram(B), [images, batch.ids, stats]), [B, ...LAYER_INPUT_SIZE]);
      const headOp = tf.customGrad(((z: Tensor) => {
        const h = run(new HeadForwardProgram(B, F, o), [tf.reshape(z, [B * F]), state, batch.ids]);
        held.head = h;
        return {
          value: h,
          // The head's output stands for the loss: its seed gradient is ones, and dZ = dlogits V'.
          gradFunc: () => tf.reshape(run(new HeadBackwardProgram(B, F, o), [h, state]), z.shape),
        };
      }) as unknown as Parameters<typeof tf.customGrad>[0]);
      const { grads } = tf.engine().gradients(
        () => {
          const z = tf.keep(net.applyLayer(A, true));
          held.Z = z;
          if (z.size !== B * F || z.dtype !== 'float32')
            throw new Error(
              `the layer under test returned ${z.dtype} ${JSON.stringify(z.shape)}, expected ${B * F} float32 values`,
            );
          return headOp(z);
        },
        [A, ...layerVars],
        ctx.seed,
        true,
      );
      const dA = grads[0] ?? tf.zerosLike(A);
      const layerGrads = layerVars.map((v, i) => tf.reshape(grads[i + 1] ?? tf.zerosLike(v), [v.size]));
      const { Z, head } = held;
      if (!head || !Z) throw new Error('fused step: the head did not run');
      const stemGrad = run(new StemBackwardProgram(B), [images, batch.ids, tf.reshape(dA, [-1])]);
      // Inputs of one program: at most maxStorageBuffersPerShaderStage - 1 (the output takes one).
      const room = backend().device.limits.maxStorageBuffersPerShaderStage - 1 - 5;
      const packed = layerGrads.length > room;
      const layerInputs = packed ? [tf.concat(layerGrads)] : layerGrads;
      const next = run(new SgdmProgram(B, F, o, ctx.settings, packed ? 'packed' : 'separate'), [
        state,
        stats,
        stemGrad,
        head,
        tf.reshape(Z, [-1]),
        ...layerInputs,
      ]);
      assignLayerLearnables(next, layout);
      return { state: next, record: head };
    });
  } finally {
    held.Z?.dispose();
  }
}

/** Mean loss and accuracy of a mini-batch from its head output (float64 sums). */
export function miniBatchRecord(
  head: ArrayLike<number>,
  offset: number,
  batch: number,
): { loss: number; accuracy: number } {
  let loss = 0;
  let right = 0;
  for (let n = 0; n < batch; n++) {
    loss += head[offset + n * HEAD_ROW + 10]!;
    right += head[offset + n * HEAD_ROW + 11]!;
  }
  return { loss: Math.fround(loss / batch), accuracy: Math.fround(right / batch) };
}

/** The ones tensor that seeds the backward pass. */
export function backwardSeed(batch: number): Tensor {
  return tf.ones([batch * HEAD_ROW]);
}
