/**
 * The scalar the gradient check differentiates: L = sum(Z * dLdZ), for a forward output Z and a
 * fixed upstream gradient dLdZ, so dL/dtheta is exactly what the layer's backward must return. A
 * layer with several outputs: L = sum_k sum(Z_k * dLdZ_k), with Z the outputs flattened one after
 * the other (each output's elements are independent terms of L); scales (the noise floors) are
 * taken per output, and the first observation is each output's first observation.
 *
 * Z is computed in float32 on the backend and read back; the products and the sum are taken in
 * float64 here (a float32 times a float32 is exact in float64). Differences L(a) - L(b) are summed
 * element by element from Z(a) - Z(b): elements a perturbation does not reach are bit-identical
 * and drop out exactly, so the only rounding left is float32's in the elements that changed.
 */
import { EPS32 } from './float32.ts';

/** What every probe of one case shares: the upstream gradient and the unperturbed output. */
export interface LossBase {
  /** dLdZ, flattened. */
  g: Float32Array;
  /** Forward output at the unperturbed point, flattened. */
  z0: Float32Array;
  /** The output (0, 1, ...) each element of Z0 belongs to. */
  outputOf: Uint32Array;
  /** Outputs. */
  outputs: number;
  /**
   * Per element, the magnitude below which its rounding is not assumed to shrink (a quarter of the
   * RMS of its output in Z0): outputs near zero often come from a cancellation (exp(x) - 1) whose
   * error is that of the larger intermediate, not of the small result.
   */
  zFloor: Float64Array;
  /** 1 for the elements of each output's first observation (the first axis), for the "sum over observations" diagnosis. */
  firstObservation: Uint8Array;
}

/** `outputLengths`: the elements of each output, in the order they are laid out in z0 and g (default: one output). */
export function makeLossBase(
  g: Float32Array,
  z0: Float32Array,
  batch: number,
  outputLengths: readonly number[] = [z0.length],
): LossBase {
  const outputOf = new Uint32Array(z0.length);
  const zFloor = new Float64Array(z0.length);
  const firstObservation = new Uint8Array(z0.length);
  let at = 0;
  outputLengths.forEach((n, k) => {
    let ss = 0;
    for (let i = at; i < at + n; i++) ss += z0[i]! * z0[i]!;
    const rms = n ? Math.sqrt(ss / n) : 0;
    const floor = 0.25 * (Number.isFinite(rms) ? rms : 0);
    const first = batch > 0 ? Math.floor(n / batch) : n;
    for (let i = at; i < at + n; i++) {
      outputOf[i] = k;
      zFloor[i] = floor;
      firstObservation[i] = i - at < first ? 1 : 0;
    }
    at += n;
  });
  return { g, z0, outputOf, outputs: outputLengths.length, zFloor, firstObservation };
}

/** Float32 rounding noise per output element, in units of EPS32 x its magnitude: a few roundings. */
export const ROUNDINGS_PER_OUTPUT = 4;

/**
 * A fourth difference larger than this many EPS32 x magnitude is structure (a kink between the
 * points), not rounding. Rounding measured here stays below ~25 (a 5x5x20 convolution, the
 * worst case seen); a kink gives about 2 h x its slope jump, orders of magnitude more.
 */
export const NOISE_CEILING = 256;

export interface LossDifferences {
  /** L(offset k) - L(0), one per evaluation, in float64. */
  dL: number[];
  /** The same with dLdZ restricted to the first observation. */
  dLFirst: number[];
  /** With several outputs: the same with dLdZ restricted to each output (dLByOutput[k][evaluation]); null for one. */
  dLByOutput: number[][] | null;
  /**
   * Estimated standard deviation of the rounding noise of one L evaluation, over the output
   * elements the perturbation changed: the larger of a model (ROUNDINGS_PER_OUTPUT float32
   * roundings of each changed output, at least the floor in size, see NoiseFloor) and the
   * noise measured by each element's fourth difference (zero for a cubic, so what remains is
   * rounding), leaving out elements whose fourth difference is beyond NOISE_CEILING.
   */
  sigma: number;
  /** Output elements that changed. */
  changed: number;
  /**
   * Changed output elements whose response over the five central points is not smooth: a fourth
   * difference beyond NOISE_CEILING roundings (a smooth element's is h^4 times its fourth
   * derivative, far below that at these steps). Such an element has a kink inside the stencil.
   */
  kinked: number;
  /**
   * With the points at -3 and +3 steps: changed elements whose response over the four points on
   * one side (0, -1, -2, -3 steps; or 0, +1, +2, +3) is not smooth, by the third difference. A
   * kink exactly at the unperturbed point leaves both sides smooth. 0 without those points.
   */
  kinkedLeft: number;
  kinkedRight: number;
  /** Sum over changed elements of |dLdZ_i * (Z_i(+1) - Z_i(-1)) / (t(+1) - t(-1))|: the size of the terms the analytic derivative sums. */
  termMagnitude: number;
}

/**
 * Where the magnitude floor of the rounding model comes from:
 * - `output`: a quarter of the RMS of the element's whole output (base.zFloor). For the input: an output
 *   near zero made by a cancellation (alpha * (exp(x) - 1) at x near 0) carries the rounding of
 *   intermediates as large as typical outputs.
 * - `changed`: a quarter of the RMS of the elements this probe changes (of each output on its own). For a learnable: it scales
 *   or shifts the branch it sits in, whose intermediates are of the size of that branch's outputs
 *   (a small alpha makes a small alpha * (exp(x) - 1) from intermediates of size 1 times alpha);
 *   the whole output's RMS would swamp a small learnable's differences in assumed noise.
 */
export type NoiseFloor = 'output' | 'changed';

/**
 * L differences and noise for the evaluations of one probe. `offsets[k]` is the actual offset of
 * `zs[k]`; `central` gives the indices of the points at -2, -1, +1, +2 steps, `outer` those at -3
 * and +3 steps when evaluated.
 */
export function lossDifferences(
  base: LossBase,
  offsets: readonly number[],
  zs: readonly Float32Array[],
  central: readonly [number, number, number, number],
  outer: readonly [number, number] | null = null,
  floor: NoiseFloor = 'output',
): LossDifferences {
  const d = differences(base, zs);
  const zFloor = floor === 'changed' ? changedFloor(base, d) : base.zFloor;
  const n = noiseAndKinks(base, offsets, zs, central, outer, d, zFloor, floor === 'output');
  return { dL: d.dL, dLFirst: d.dLFirst, dLByOutput: d.dLByOutput, changed: d.changedIndex.length, ...n };
}

interface Differences {
  /** L(point k) - L(0), over the whole batch and over the first observation. */
  dL: number[];
  dLFirst: number[];
  dLByOutput: number[][] | null;
  /** The output elements that changed, and the largest magnitude each took. */
  changedIndex: number[];
  changedMagnitude: number[];
}

/** Pass 1: the differences of L, and which elements changed (with their largest magnitude). */
function differences(base: LossBase, zs: readonly Float32Array[]): Differences {
  const { g, z0, firstObservation } = base;
  const dL = new Array<number>(zs.length).fill(0);
  const dLFirst = new Array<number>(zs.length).fill(0);
  const dLByOutput =
    base.outputs > 1 ? Array.from({ length: base.outputs }, () => new Array<number>(zs.length).fill(0)) : null;
  const changedIndex: number[] = [];
  const changedMagnitude: number[] = [];
  for (let i = 0; i < z0.length; i++) {
    const base0 = z0[i]!;
    let differs = false;
    let mag = Math.abs(base0);
    for (let k = 0; k < zs.length; k++) {
      const zk = zs[k]![i]!;
      if (zk !== base0) {
        differs = true;
        const d = (zk - base0) * g[i]!;
        dL[k] = (dL[k] ?? 0) + d;
        if (firstObservation[i]) dLFirst[k] = (dLFirst[k] ?? 0) + d;
        if (dLByOutput) {
          const o = dLByOutput[base.outputOf[i]!]!;
          o[k] = o[k]! + d;
        }
        const a = Math.abs(zk);
        if (a > mag) mag = a;
      }
    }
    if (differs) {
      changedIndex.push(i);
      changedMagnitude.push(mag);
    }
  }
  return { dL, dLFirst, dLByOutput, changedIndex, changedMagnitude };
}

/** The `changed` noise floor, by changed element (index into d.changedIndex): a quarter of the RMS of the elements this probe changes in its output. */
function changedFloor(base: LossBase, d: Differences): Float64Array {
  const ss = new Float64Array(base.outputs);
  const count = new Float64Array(base.outputs);
  d.changedIndex.forEach((i, j) => {
    const k = base.outputOf[i]!;
    ss[k] = ss[k]! + d.changedMagnitude[j]! * d.changedMagnitude[j]!;
    count[k] = count[k]! + 1;
  });
  return Float64Array.from(d.changedIndex, (i) => {
    const k = base.outputOf[i]!;
    return 0.25 * Math.sqrt(ss[k]! / count[k]!);
  });
}

/** Pass 2: rounding noise (model and measured), kinks, and the size of the analytic sum's terms. */
function noiseAndKinks(
  base: LossBase,
  offsets: readonly number[],
  zs: readonly Float32Array[],
  central: readonly [number, number, number, number],
  outer: readonly [number, number] | null,
  d: Differences,
  /** The floor of each element (`output`: indexed by element) or of each changed element (`changed`: indexed as d.changedIndex). */
  zFloor: Float64Array,
  byElement: boolean,
): Pick<LossDifferences, 'sigma' | 'kinked' | 'kinkedLeft' | 'kinkedRight' | 'termMagnitude'> {
  const { g, z0 } = base;
  let model = 0;
  let measured = 0;
  let kinked = 0;
  let kinkedLeft = 0;
  let kinkedRight = 0;
  let termMagnitude = 0;
  const [zm2, zm1, zp1, zp2] = central.map((k) => zs[k]!) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const zm3 = outer ? zs[outer[0]]! : null;
  const zp3 = outer ? zs[outer[1]]! : null;
  const width = offsets[central[2]]! - offsets[central[1]]!;
  d.changedIndex.forEach((i, j) => {
    const base0 = z0[i]!;
    const gi = g[i]!;
    const unit = Math.max(d.changedMagnitude[j]!, zFloor[byElement ? i : j]!);
    model += unit * gi * unit * gi;
    const ceiling = NOISE_CEILING * EPS32 * unit;
    const d4 = zm2[i]! - 4 * zm1[i]! + 6 * base0 - 4 * zp1[i]! + zp2[i]!;
    if (Math.abs(d4) <= ceiling) measured += gi * d4 * (gi * d4);
    else kinked++;
    if (zm3 && zp3) {
      if (Math.abs(base0 - 3 * zm1[i]! + 3 * zm2[i]! - zm3[i]!) > ceiling) kinkedLeft++;
      if (Math.abs(zp3[i]! - 3 * zp2[i]! + 3 * zp1[i]! - base0) > ceiling) kinkedRight++;
    }
    termMagnitude += Math.abs((gi * (zp1[i]! - zm1[i]!)) / width);
  });
  const sigmaModel = ROUNDINGS_PER_OUTPUT * EPS32 * Math.sqrt(model);
  // A fourth difference of independent noise has variance 1 + 16 + 36 + 16 + 1 = 70 times one value's.
  const sigmaMeasured = Math.sqrt(measured / 70);
  return { sigma: Math.max(sigmaModel, sigmaMeasured), kinked, kinkedLeft, kinkedRight, termMagnitude };
}
