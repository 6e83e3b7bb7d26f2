/**
 * The reference 2-D convolution in Form B (its own backward), as MATLAB's convolution2dLayer.
 *
 *   Z[n, y, x, f] = b[f] + sum_{i, j, c} Xp[n, y*sh + i, x*sw + j, c] * W[i, j, c, f]
 *
 * where Xp is X zero-padded (none for 'valid'; TensorFlow's split for 'same'). The math is in the
 * plain functions `conv2dForward` and `conv2dBackward` (tensors in, tensors out), which the class
 * calls and a hand-written training loop may call directly: one implementation for both.
 */
import { CustomLayer, type BackwardResult, type CustomLayerArgs } from '../harness/custom-layer.ts';
import { tf, type Shape, type Tensor } from '../harness/tf.ts';

export type Conv2dPadding = 'valid' | 'same';

export interface Conv2dGeometry {
  stride: [number, number];
  padding: Conv2dPadding;
}

/** Z = conv2d(X, W) + b, NHWC, W as [fh, fw, cin, numFilters]. */
export function conv2dForward(X: Tensor, weights: Tensor, bias: Tensor | null, g: Conv2dGeometry): Tensor {
  return tf.tidy(() => {
    const Z = tf.conv2d(X as tf.Tensor4D, weights as tf.Tensor4D, g.stride, g.padding);
    return bias ? tf.add(Z, bias) : Z;
  });
}

export interface Conv2dGradients {
  dLdX: Tensor;
  dLdWeights: Tensor;
  /** Present when a bias is given to `conv2dBackward`. */
  dLdBias?: Tensor;
}

/**
 * Derivatives of L through Z = conv2d(X, W) + b, given dL/dZ.
 *
 * - dL/dX[n, p, q, c] = sum_{y, x, i, j, f : y*sh + i = p + pt, x*sw + j = q + pl} dLdZ[n, y, x, f] * W[i, j, c, f]:
 *   the transposed convolution of dLdZ with the same W, stride and padding (tf.conv2dTranspose,
 *   kernel Conv2DBackpropInput), as tfjs-core's Conv2D_grad.ts.
 * - dL/dW[i, j, c, f] = sum_{n, y, x} Xp[n, y*sh + i, x*sw + j, c] * dLdZ[n, y, x, f]: the filter
 *   gradient (kernel Conv2DBackpropFilter, tfjs-core's conv2DBackpropFilter).
 * - dL/db[f] = sum_{n, y, x} dLdZ[n, y, x, f]: every output position adds b[f] once.
 */
export function conv2dBackward(
  X: Tensor,
  dLdZ: Tensor,
  weights: Tensor,
  hasBias: boolean,
  g: Conv2dGeometry,
): Conv2dGradients {
  return tf.tidy(() => {
    const dLdX = tf.conv2dTranspose(
      dLdZ as tf.Tensor4D,
      weights as tf.Tensor4D,
      X.shape as [number, number, number, number],
      g.stride,
      g.padding,
    );
    const dLdWeights = filterGradient(X, dLdZ, weights.shape as [number, number, number, number], g);
    return hasBias ? { dLdX, dLdWeights, dLdBias: tf.sum(dLdZ, [0, 1, 2]) } : { dLdX, dLdWeights };
  });
}

/**
 * dL/dW through the backend's Conv2DBackpropFilter kernel where it has one (cpu, webgpu), as
 * tfjs-core's conv2DBackpropFilter does; the wasm backend has none, and there the same sum is
 * computed as a convolution (`conv2dFilterGradientByConvolution`).
 */
function filterGradient(
  X: Tensor,
  dLdZ: Tensor,
  filterShape: [number, number, number, number],
  g: Conv2dGeometry,
): Tensor {
  if (!tf.getKernel('Conv2DBackpropFilter', tf.getBackend()))
    return conv2dFilterGradientByConvolution(X, dLdZ, filterShape, g);
  const attrs = { strides: g.stride, pad: g.padding, dataFormat: 'NHWC', filterShape };
  return tf.engine().runKernel<Tensor>('Conv2DBackpropFilter', { x: X, dy: dLdZ }, attrs);
}

/**
 * dL/dW[i, j, c, f] = sum_{n, y, x} Xp[n, y*sh + i, x*sw + j, c] * dLdZ[n, y, x, f] as one
 * convolution, for backends without a filter-gradient kernel:
 *
 *   A = X^T as [cin, H, W, N] (observations become channels), B = dLdZ^T as [oh, ow, N, F]:
 *   conv2d(Ap, B, stride 1, dilation [sh, sw])[c, i, j, f] = sum_{y, x, n} Ap[c, i + y*sh, j + x*sw, n] * B[y, x, n, f]
 *
 * which is dL/dW[i, j, c, f] when Ap is padded at the top and left as Xp. Padding the bottom and
 * right only as far as needed (never negative) gives at least fh x fw outputs; the first fh x fw
 * are dL/dW, transposed back to [fh, fw, cin, F].
 */
export function conv2dFilterGradientByConvolution(
  X: Tensor,
  dLdZ: Tensor,
  filterShape: [number, number, number, number],
  g: Conv2dGeometry,
): Tensor {
  return tf.tidy(() => {
    const [fh, fw] = filterShape;
    const [, H, W] = X.shape as number[];
    const [, oh, ow] = dLdZ.shape as number[];
    const [sh, sw] = g.stride;
    const { top, left } = leadingPadding(g, H!, W!, fh, fw);
    const bottom = Math.max(0, fh + (oh! - 1) * sh - H! - top);
    const right = Math.max(0, fw + (ow! - 1) * sw - W! - left);
    const A = tf.transpose(X, [3, 1, 2, 0]) as tf.Tensor4D;
    const B = tf.transpose(dLdZ, [1, 2, 0, 3]) as tf.Tensor4D;
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    const full = tf.conv2d(A, B, 1, pad, 'NHWC', [sh, sw]);
    return tf.transpose(tf.slice(full, [0, 0, 0, 0], [-1, fh, fw, -1]), [1, 2, 0, 3]);
  });
}

/** Top and left zero padding: none for 'valid'; TensorFlow's 'same' puts the odd pixel at the bottom and right. */
function leadingPadding(
  g: Conv2dGeometry,
  H: number,
  W: number,
  fh: number,
  fw: number,
): { top: number; left: number } {
  if (g.padding === 'valid') return { top: 0, left: 0 };
  const [sh, sw] = g.stride;
  const total = (size: number, f: number, s: number) => Math.max((Math.ceil(size / s) - 1) * s + f - size, 0);
  return { top: Math.floor(total(H, fh, sh) / 2), left: Math.floor(total(W, fw, sw) / 2) };
}

export interface Conv2dLayerArgs extends CustomLayerArgs {
  /** Filter height and width: 5 means 5x5. */
  filterSize: number | [number, number];
  numFilters: number;
  /** Step between filter positions: 1 (default) or [sh, sw]. */
  stride?: number | [number, number];
  /** 'valid' (default, no padding, as MATLAB's default [0 0 0 0]) or 'same'. */
  padding?: Conv2dPadding;
  /** Adds a learnable bias per filter (default true). */
  useBias?: boolean;
  /** Input channels; inferred from the input when omitted. */
  numChannels?: number;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export class Conv2dLayer extends CustomLayer {
  static override className = 'Conv2dLayer';
  readonly filterSize: [number, number];
  readonly numFilters: number;
  readonly stride: [number, number];
  readonly padding: Conv2dPadding;
  readonly useBias: boolean;
  numChannels: number | undefined;

  constructor(args: Conv2dLayerArgs) {
    super(args);
    this.filterSize = pair(args.filterSize);
    this.numFilters = args.numFilters;
    this.stride = pair(args.stride ?? 1);
    this.padding = args.padding ?? 'valid';
    this.useBias = args.useBias ?? true;
    this.numChannels = args.numChannels ?? undefined; // null from a round-tripped config
    if (!(this.numFilters >= 1) || ![...this.filterSize, ...this.stride].every((v) => Number.isInteger(v) && v >= 1)) {
      throw new Error(
        `Conv2dLayer: filterSize, numFilters and stride must be positive integers, got filterSize ${JSON.stringify(args.filterSize)}, numFilters ${args.numFilters}, stride ${JSON.stringify(args.stride ?? 1)}`,
      );
    }
    if (this.padding !== 'valid' && this.padding !== 'same')
      throw new Error(`Conv2dLayer: padding must be 'valid' or 'same', got '${String(args.padding)}'`);
    this.type = 'Convolution';
    this.describe();
  }

  private describe(): void {
    const [fh, fw] = this.filterSize;
    const depth = this.numChannels === undefined ? '' : `x${this.numChannels}`;
    const padding = this.padding === 'same' ? `'same'` : '[0 0 0 0]';
    this.description = `${this.numFilters} ${fh}x${fw}${depth} convolutions with stride [${this.stride.join(' ')}] and padding ${padding}`;
  }

  private get geometry(): Conv2dGeometry {
    return { stride: this.stride, padding: this.padding };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.numChannels ??= s[s.length - 1]!;
    this.describe();
    const [fh, fw] = this.filterSize;
    // Glorot uniform over the receptive field, as MATLAB's default 'glorot'.
    const fanIn = fh * fw * this.numChannels;
    const fanOut = fh * fw * this.numFilters;
    this.addLearnable('weights', [fh, fw, this.numChannels, this.numFilters], { glorotUniform: { fanIn, fanOut } });
    if (this.useBias) this.addLearnable('bias', [this.numFilters], 'zeros');
    this.built = true;
  }

  predict(X: Tensor): Tensor {
    const { weights, bias } = this.learnables;
    return conv2dForward(X, weights!, this.useBias ? bias! : null, this.geometry);
  }

  override backward(X: Tensor, _Z: Tensor, dLdZ: Tensor): BackwardResult {
    const { weights } = this.learnables;
    const g = conv2dBackward(X, dLdZ, weights!, this.useBias, this.geometry);
    const dLdLearnables: Record<string, Tensor> = { weights: g.dLdWeights };
    if (g.dLdBias) dLdLearnables['bias'] = g.dLdBias;
    return { dLdX: g.dLdX, dLdLearnables };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filterSize: [...this.filterSize],
      numFilters: this.numFilters,
      stride: [...this.stride],
      padding: this.padding,
      useBias: this.useBias,
      numChannels: this.numChannels ?? null,
    };
  }
}
tf.serialization.registerClass(Conv2dLayer);

/** The default export `check-layer` loads: four 5x5 filters over a 12x12x3 image. */
export default () => new Conv2dLayer({ filterSize: 5, numFilters: 4 });
export const inputSize = [12, 12, 3];
