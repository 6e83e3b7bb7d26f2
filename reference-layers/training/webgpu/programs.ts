/**
 * The WGSL programs of the fused WebGPU training step, run through tfjs-backend-webgpu's program
 * interface (`backend.runWebGPUProgram`). Every output is a flat float32 array; sizes, offsets and
 * hyperparameters are baked into the shader as constants (and into its cache key).
 *
 * Notation as in `stem.ts`: P the mini-batch's patch matrix ([M, 25], M = batch * 576, never
 * materialised: each program reads the 5x5 window straight from the images), W the filters as
 * [25, 20], G = P'P and psum = colsum(P) (computed per image on the CPU, uploaded), Z the output of
 * the layer under test ([batch, features]), V the fully connected weights ([features, 10]).
 *
 * - `StemStatisticsProgram`  mean, variance, sigma, scale s = gamma / sigma, shift per channel, Q = G W
 *                            and W o s. One workgroup.
 * - `StemForwardProgram`     A = P (W o s) + shift, the batch-norm output [batch, 24, 24, 20].
 * - `HeadForwardProgram`     per observation: logits = Z V + b, softmax, cross-entropy, correct or not,
 *                            and dlogits = (softmax - onehot) / batch. One workgroup per observation.
 * - `HeadBackwardProgram`    dZ = dlogits V'.
 * - `StemBackwardProgram`    per observation, its share of H = P' dA (25 x 20) and dbeta = colsum(dA).
 * - `SgdmProgram`            every parameter's gradient (the stem's from H and dbeta summed over the
 *                            observations, with batch norm's backward written out, the head's from Z and
 *                            dlogits, the layer's as given), L2, momentum and the step, and batch
 *                            norm's running statistics, into a new packed state.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { BN_EPSILON, BN_MOMENTUM, CONV_FILTERS, CONV_FILTER_SIZE } from '../seed-network.ts';
import { NUM_CLASSES } from '../digits.ts';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const OUT = SIDE - CONV_FILTER_SIZE + 1;
export const POSITIONS = OUT * OUT;
export const TAPS = CONV_FILTER_SIZE * CONV_FILTER_SIZE;
export const FILTERS = CONV_FILTERS;
if (CONV_FILTERS !== 20 || CONV_FILTER_SIZE !== 5 || NUM_CLASSES !== 10)
  throw new Error('webgpu/programs.ts is written for 5x5x20 filters and 10 classes');

/** Layout of the statistics array (StemStatisticsProgram's output), per channel c. */
export const STATS = {
  /** pbar W: the batch mean of the convolution output without its bias. */
  mean0: 0,
  variance: FILTERS,
  sigma: 2 * FILTERS,
  scale: 3 * FILTERS,
  shift: 4 * FILTERS,
  /** Q = G W, [25, 20]. */
  q: 5 * FILTERS,
  /** W o s, [25, 20]: the filters with batch norm's scale folded in. */
  ws: 5 * FILTERS + TAPS * FILTERS,
  /** colsum(P), [25]. */
  psum: 5 * FILTERS + 2 * TAPS * FILTERS,
  size: 5 * FILTERS + 2 * TAPS * FILTERS + TAPS,
} as const;

/** Per observation in the head's output: 10 dlogits, the loss, 1 when classified right. */
export const HEAD_ROW = NUM_CLASSES + 2;

/** Per observation in StemBackwardProgram's output: its share of H = P' dA ([25, 20]), then of dbeta (20). */
export const STEM_GRAD = { h: 0, dbeta: TAPS * FILTERS, size: TAPS * FILTERS + FILTERS } as const;

/** Where each parameter lives in the packed state (see state-layout.ts). */
export interface PackedOffsets {
  /** Number of parameters; the velocities follow at P, the running mean at 2P, the running variance at 2P + 20. */
  P: number;
  convWeights: number;
  convBias: number;
  bnScale: number;
  bnOffset: number;
  fcWeights: number;
  fcBias: number;
  /** The layer under test's learnables: offset, size and whether L2 applies. */
  layer: { offset: number; size: number }[];
}

/** A float32 constant as a WGSL literal that parses back to the same float32. */
function f32(x: number): string {
  const s = Math.fround(x).toPrecision(9);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/**
 * tfjs binds its uniform buffer to every program, and a pipeline layout made with 'auto' keeps
 * only the bindings the shader uses: a program that reads no uniform must still touch it.
 */
const KEEP_UNIFORMS = '_ = uniforms.NAN;';

abstract class FlatProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  abstract variableNames: string[];

  /** `threads`: how many invocations the program needs (rounded up to whole workgroups). */
  constructor(size: number, threads: number, workgroup: number, key: string) {
    this.outputShape = [size];
    this.workgroupSize = [workgroup, 1, 1];
    this.dispatch = [Math.ceil(threads / workgroup), 1, 1];
    this.shaderKey = `checkLayer_${this.constructor.name}_${key}`;
  }
  abstract getUserCode(): string;
}

/** One workgroup: Q = G W (500 values, shared), then each channel's statistics. Inputs: state, moments (G then psum). */
export class StemStatisticsProgram extends FlatProgram {
  variableNames = ['state', 'moments'];
  constructor(
    private readonly rows: number,
    private readonly o: PackedOffsets,
  ) {
    super(STATS.size, 256, 256, `${rows}_${o.convWeights}_${o.bnScale}_${o.bnOffset}`);
  }
  getUserCode(): string {
    const { o } = this;
    return `
      const C_ROWS: f32 = ${f32(this.rows)};
      const C_EPS: f32 = ${f32(BN_EPSILON)};
      var<workgroup> q: array<f32, ${TAPS * FILTERS}>;
      fn main(index: i32) {
        ${KEEP_UNIFORMS}
                let t = i32(localIndex);
        for (var e = t; e < ${TAPS * FILTERS}; e += 256) {
          let k = e / ${FILTERS};
          let c = e % ${FILTERS};
          var acc = 0.0;
          for (var l = 0; l < ${TAPS}; l++) {
            acc += moments[k * ${TAPS} + l] * state[${o.convWeights} + l * ${FILTERS} + c];
          }
          q[e] = acc;
          result[${STATS.q} + e] = acc;
        }
        if (t < ${TAPS}) {
          result[${STATS.psum} + t] = moments[${TAPS * TAPS} + t];
        }
        workgroupBarrier();
        if (t < ${FILTERS}) {
          var ez2 = 0.0;
          var mu = 0.0;
          for (var k = 0; k < ${TAPS}; k++) {
            let w = state[${o.convWeights} + k * ${FILTERS} + t];
            ez2 += w * q[k * ${FILTERS} + t];
            mu += moments[${TAPS * TAPS} + k] * w;
          }
          let mean0 = mu / C_ROWS;
          let variance = max(ez2 / C_ROWS - mean0 * mean0, 0.0);
          let sigma = sqrt(variance + C_EPS);
          let s = state[${o.bnScale} + t] / sigma;
          result[${STATS.mean0} + t] = mean0;
          result[${STATS.variance} + t] = variance;
          result[${STATS.sigma} + t] = sigma;
          result[${STATS.scale} + t] = s;
          result[${STATS.shift} + t] = state[${o.bnOffset} + t] - mean0 * s;
          for (var k = 0; k < ${TAPS}; k++) {
            result[${STATS.ws} + k * ${FILTERS} + t] = state[${o.convWeights} + k * ${FILTERS} + t] * s;
          }
        }
      }`;
  }
}

/** A = P (W o s) + shift, one invocation per output value. Inputs: images, batchIds (indices then labels), stats. */
export class StemForwardProgram extends FlatProgram {
  variableNames = ['images', 'batchIds', 'stats'];
  constructor(batch: number) {
    const size = batch * POSITIONS * FILTERS;
    super(size, size, 256, `${batch}`);
  }
  getUserCode(): string {
    const size = this.outputShape[0]!;
    return `
      fn main(index: i32) {
        ${KEEP_UNIFORMS}
        if (index < ${size}) {
          let c = index % ${FILTERS};
          let position = index / ${FILTERS};
          let n = position / ${POSITIONS};
          let r = position % ${POSITIONS};
          let base = batchIds[n] * ${PIXELS} + (r / ${OUT}) * ${SIDE} + r % ${OUT};
          var acc = 0.0;
          for (var a = 0; a < ${CONV_FILTER_SIZE}; a++) {
            for (var b = 0; b < ${CONV_FILTER_SIZE}; b++) {
              acc += images[base + a * ${SIDE} + b] * stats[${STATS.ws} + (a * ${CONV_FILTER_SIZE} + b) * ${FILTERS} + c];
            }
          }
          result[index] = acc + stats[${STATS.shift} + c];
        }
      }`;
  }
}

const HEAD_WORKGROUP = 128;

/** One workgroup per observation: logits, softmax, cross-entropy, dlogits. Inputs: z (flat), state, batchIds. */
export class HeadForwardProgram extends FlatProgram {
  variableNames = ['z', 'state', 'batchIds'];
  constructor(
    private readonly batch: number,
    private readonly features: number,
    private readonly o: PackedOffsets,
  ) {
    super(batch * HEAD_ROW, batch * HEAD_WORKGROUP, HEAD_WORKGROUP, `${batch}_${features}_${o.fcWeights}_${o.fcBias}`);
  }
  getUserCode(): string {
    const { batch, features, o } = this;
    const W = HEAD_WORKGROUP;
    return `
      var<workgroup> part: array<f32, ${10 * W}>;
      fn main(index: i32) {
        ${KEEP_UNIFORMS}
                let t = i32(localIndex);
        let n = index / ${W};
        var acc: array<f32, 10>;
        if (n < ${batch}) {
          for (var j = t; j < ${features}; j += ${W}) {
            let h = z[n * ${features} + j];
            for (var k = 0; k < 10; k++) {
              acc[k] += h * state[${o.fcWeights} + j * 10 + k];
            }
          }
        }
        for (var k = 0; k < 10; k++) {
          part[k * ${W} + t] = acc[k];
        }
        workgroupBarrier();
        for (var size = ${W / 2}; size > 0; size = size / 2) {
          if (t < size) {
            for (var k = 0; k < 10; k++) {
              part[k * ${W} + t] += part[k * ${W} + t + size];
            }
          }
          workgroupBarrier();
        }
        if (t == 0 && n < ${batch}) {
          var logits: array<f32, 10>;
          var best = 0;
          for (var k = 0; k < 10; k++) {
            logits[k] = part[k * ${W}] + state[${o.fcBias} + k];
            if (logits[k] > logits[best]) {
              best = k;
            }
          }
          let top = logits[best];
          var total = 0.0;
          for (var k = 0; k < 10; k++) {
            total += exp(logits[k] - top);
          }
          let label = batchIds[${batch} + n];
          for (var k = 0; k < 10; k++) {
            let p = exp(logits[k] - top) / total;
            result[n * ${HEAD_ROW} + k] = (p - select(0.0, 1.0, k == label)) / ${f32(batch)};
          }
          result[n * ${HEAD_ROW} + 10] = top + log(total) - logits[label];
          result[n * ${HEAD_ROW} + 11] = select(0.0, 1.0, best == label);
        }
      }`;
  }
}

/** dZ = dlogits V', one invocation per value of Z. Inputs: head, state. */
export class HeadBackwardProgram extends FlatProgram {
  variableNames = ['head', 'state'];
  constructor(
    private readonly batch: number,
    private readonly features: number,
    private readonly o: PackedOffsets,
  ) {
    const size = batch * features;
    super(size, size, 256, `${batch}_${features}_${o.fcWeights}`);
  }
  getUserCode(): string {
    const { batch, features, o } = this;
    return `
      fn main(index: i32) {
        ${KEEP_UNIFORMS}
                if (index < ${batch * features}) {
          let n = index / ${features};
          let j = index - n * ${features};
          var acc = 0.0;
          for (var k = 0; k < 10; k++) {
            acc += head[n * ${HEAD_ROW} + k] * state[${o.fcWeights} + j * 10 + k];
          }
          result[index] = acc;
        }
      }`;
  }
}

/**
 * Per observation n, its share of H = P' dA and of dbeta = colsum(dA): one invocation per (n, k, c)
 * summing over the 576 positions (the sgdm update adds the observations up). Inputs: images,
 * batchIds, dact (flat).
 */
export class StemBackwardProgram extends FlatProgram {
  variableNames = ['images', 'batchIds', 'dact'];
  constructor(private readonly batch: number) {
    super(batch * STEM_GRAD.size, batch * STEM_GRAD.size, 64, `${batch}`);
  }
  getUserCode(): string {
    return `
      fn main(index: i32) {
        ${KEEP_UNIFORMS}
        if (index < ${this.batch * STEM_GRAD.size}) {
          let n = index / ${STEM_GRAD.size};
          let e = index - n * ${STEM_GRAD.size};
          let rows = n * ${POSITIONS * FILTERS};
          var acc = 0.0;
          if (e < ${STEM_GRAD.dbeta}) {
            let k = e / ${FILTERS};
            let c = e % ${FILTERS};
            let base = batchIds[n] * ${PIXELS} + (k / ${CONV_FILTER_SIZE}) * ${SIDE} + k % ${CONV_FILTER_SIZE};
            for (var i = 0; i < ${OUT}; i++) {
              for (var j = 0; j < ${OUT}; j++) {
                acc += images[base + i * ${SIDE} + j] * dact[rows + (i * ${OUT} + j) * ${FILTERS} + c];
              }
            }
          } else {
            let c = e - ${STEM_GRAD.dbeta};
            for (var p = 0; p < ${POSITIONS}; p++) {
              acc += dact[rows + p * ${FILTERS} + c];
            }
          }
          result[index] = acc;
        }
      }`;
  }
}

export interface SgdmSettings {
  learningRate: number;
  momentum: number;
  l2: number;
}

/**
 * The sgdm update of every parameter at once, one invocation per parameter, and the running
 * statistics. Inputs: state, stats, stemGrad, head, z (flat), then the layer's gradients: one
 * input per learnable (`layerInputs` = 'separate') or all of them flattened into one ('packed').
 */
export class SgdmProgram extends FlatProgram {
  variableNames: string[];
  constructor(
    private readonly batch: number,
    private readonly features: number,
    private readonly o: PackedOffsets,
    private readonly s: SgdmSettings,
    private readonly layerInputs: 'separate' | 'packed',
  ) {
    const layerKey = o.layer.map((l) => `${l.offset}:${l.size}`).join(',');
    super(
      2 * o.P + 2 * FILTERS,
      o.P + 2 * FILTERS,
      256,
      `${batch}_${features}_${o.P}_${o.fcWeights}_${layerKey}_${layerInputs}_${s.learningRate}_${s.momentum}_${s.l2}`,
    );
    const grads = o.layer.length === 0 ? [] : layerInputs === 'packed' ? ['g0'] : o.layer.map((_, i) => `g${i}`);
    this.variableNames = ['state', 'stats', 'stemGrad', 'head', 'z', ...grads];
  }
  getUserCode(): string {
    return `${this.constantsAndSums()}
${this.parameterGradient()}
${this.updateMain()}`;
  }

  /** The settings as WGSL constants, and the sums over observations the gradients are made of. */
  private constantsAndSums(): string {
    const { batch, o, s } = this;
    return `
      const C_ROWS: f32 = ${f32(batch * POSITIONS)};
      const C_LR: f32 = ${f32(s.learningRate)};
      const C_MOMENTUM: f32 = ${f32(s.momentum)};
      const C_L2: f32 = ${f32(s.l2)};
      const C_BN: f32 = ${f32(BN_MOMENTUM)};
      const C_BN1: f32 = ${f32(1 - BN_MOMENTUM)};

      // Sum over the observations of StemBackwardProgram's output at e.
      fn stemSum(e: i32) -> f32 {
        var acc = 0.0;
        for (var n = 0; n < ${batch}; n++) {
          acc += stemGrad[n * ${STEM_GRAD.size} + e];
        }
        return acc;
      }

      // dgamma[c] = (colsum(W o H)[c] - mean0[c] dbeta[c]) / sigma[c]
      fn dgamma(c: i32) -> f32 {
        var wh = 0.0;
        for (var k = 0; k < ${TAPS}; k++) {
          wh += state[${o.convWeights} + k * ${FILTERS} + c] * stemSum(${STEM_GRAD.h} + k * ${FILTERS} + c);
        }
        return (wh - stats[${STATS.mean0} + c] * stemSum(${STEM_GRAD.dbeta} + c)) / stats[${STATS.sigma} + c];
      }`;
  }

  /** WGSL: the gradient of packed parameter i and its L2 factor, by which layer i belongs to. */
  private parameterGradient(): string {
    const { batch, features, o } = this;
    const firstLayer = o.layer[0]?.offset ?? o.fcWeights;
    const layerBranches = o.layer
      .map((l, i) =>
        this.layerInputs === 'packed'
          ? `if (i < ${l.offset + l.size}) { g = g0[i - ${firstLayer}]; }`
          : `if (i < ${l.offset + l.size}) { g = g${i}[i - ${l.offset}]; }`,
      )
      .join(' else ');
    return `
      fn gradientAndL2(i: i32) -> vec2<f32> {
        var g = 0.0;
        var l2 = C_L2;
        if (i < ${o.convBias}) {
          let e = i - ${o.convWeights};
          let k = e / ${FILTERS};
          let c = e % ${FILTERS};
          let sigma = stats[${STATS.sigma} + c];
          let mean0 = stats[${STATS.mean0} + c];
          let dbeta = stemSum(${STEM_GRAD.dbeta} + c);
          let psum = stats[${STATS.psum} + k];
          let centred = stats[${STATS.q} + e] - psum * mean0;
          g = stats[${STATS.scale} + c] *
              ((stemSum(${STEM_GRAD.h} + e) - psum * (dbeta / C_ROWS)) - centred * (dgamma(c) / (sigma * C_ROWS)));
        } else if (i < ${o.bnScale}) {
          // The convolution bias: batch norm subtracts the batch mean, the loss does not depend on it.
          g = 0.0;
          l2 = 0.0;
        } else if (i < ${o.bnOffset}) {
          g = dgamma(i - ${o.bnScale});
        } else if (i < ${firstLayer}) {
          g = stemSum(${STEM_GRAD.dbeta} + i - ${o.bnOffset});
        } else if (i < ${o.fcWeights}) {
          ${layerBranches || 'g = 0.0;'}
        } else if (i < ${o.fcBias}) {
          let e = i - ${o.fcWeights};
          let j = e / 10;
          let k = e % 10;
          for (var n = 0; n < ${batch}; n++) {
            g += z[n * ${features} + j] * head[n * ${HEAD_ROW} + k];
          }
        } else {
          let k = i - ${o.fcBias};
          for (var n = 0; n < ${batch}; n++) {
            g += head[n * ${HEAD_ROW} + k];
          }
          l2 = 0.0;
        }
        return vec2<f32>(g, l2);
      }`;
  }

  /** WGSL main: sgdm for every parameter, then batch norm's running statistics. */
  private updateMain(): string {
    const { o } = this;
    return `
      fn main(index: i32) {
        ${KEEP_UNIFORMS}
        let i = index;
        if (i < ${o.P}) {
          let w = state[i];
          let v = state[${o.P} + i];
          let gl = gradientAndL2(i);
          let velocity = C_MOMENTUM * v - C_LR * (gl.x + gl.y * w);
          result[i] = w + velocity;
          result[${o.P} + i] = velocity;
        } else if (i < ${o.P + 2 * FILTERS}) {
          let j = i - ${o.P};
          let at = ${2 * o.P} + j;
          var batchValue = 0.0;
          if (j < ${FILTERS}) {
            batchValue = stats[${STATS.mean0} + j] + state[${o.convBias} + j];
          } else {
            batchValue = stats[${STATS.variance} + j - ${FILTERS}];
          }
          result[at] = state[at] * C_BN + batchValue * C_BN1;
        }
      }`;
  }
}
