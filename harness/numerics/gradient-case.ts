/**
 * The drawn case a gradient check runs on, as a fast-check arbitrary: the inputs (one value list
 * per input of the layer) and a seed for the upstream gradient dLdZ on every output. Generation
 * draws from fast-check's random source (so from the run's seed): the first input's values, then
 * the next input's, then the upstream seed.
 * Shrinking makes a failing case smaller and simpler, each step kept only if it still fails:
 * first straight to the minimal case (one observation, spatial size 1, integer inputs, dLdZ of
 * signs), else one step at a time: one observation, spatial sizes cut to 1 or halved (where the
 * layer accepts the size), input values rounded to halves then integers, dLdZ rounded to halves
 * then to signs. Every input shrinks together: the batch of all inputs at once, and an axis of
 * all the inputs that have it as a spatial axis at once (a layer taking two inputs of one size
 * would reject them cut apart).
 *
 * Input values, each element on its own (float32), so that saturating branches and the far side of
 * a bound are exercised, not only [-3, 3]:
 *  - one in ten taken from SPECIAL_VALUES exactly, so kinks that sit at such values (0 for ReLU, -1
 *    and 1 for a clip) are hit exactly;
 *  - one in eight of magnitude about 10 (uniform in [7, 14], either sign), one in eight about 30
 *    (uniform in [20, 40], either sign);
 *  - when the layer declares kinks (its `kinks` property), one in ten a declared kink plus or
 *    minus 0.5 to 3.5 steps (a step: STEP x max(|kink|, 1)), so the probe's stencil straddles it;
 *  - the rest uniform in [-3, 3].
 * A layer with several inputs: the first observation of every input holds unit-scale values only
 * (the shares of 10s and 30s go to [-3, 3]); the second keeps every magnitude. Where outputs combine
 * inputs (a product, attention scores Q K^T), one element of 30 in any input saturates what it
 * reaches (a softmax over scores of hundreds is one-hot), and every derivative that passes through
 * the saturated part vanishes, right or wrong: measured on attention with its softmax Jacobian's
 * off-diagonal terms left out, no probe could tell the wrong derivative from the right one on cases
 * of mixed magnitudes. One input: every observation as described (unchanged).
 * `scaleOf` names the scale of a value, for the evidence.
 * dLdZ: random sign (negative with probability 0.3) times a magnitude uniform in [0.5, 1.5):
 * non-uniform, never zero, with a non-zero mean so sums over many elements do not cancel away.
 */
import fc from 'fast-check';
import { inputLabel, outputLabel } from '../io-labels.ts';
import { makeRng } from '../random.ts';
import { f32, shortestFloat32 } from './float32.ts';
import { STEP } from './step.ts';

export const SPECIAL_VALUES = [-2, -1, -0.5, 0, 0.5, 1, 2] as const;
export const SPECIAL_FRACTION = 0.1;
/** Values of the unit scale are uniform in [-INPUT_RANGE, INPUT_RANGE]. */
export const INPUT_RANGE = 3;
/** The larger scales: share of the elements and range of magnitudes. */
export const LARGE_SCALES = [
  { label: '10', fraction: 0.125, from: 7, to: 14 },
  { label: '30', fraction: 0.125, from: 20, to: 40 },
] as const;
/** Share of the elements placed near a declared kink (when the layer declares any). */
export const NEAR_KINK_FRACTION = 0.1;
/** Elements near a kink sit this many steps from it, at most (at least half a step). */
export const NEAR_KINK_STEPS = 3.5;

/** The step that measures distance from a kink at `k`. */
export function kinkStep(k: number): number {
  return STEP * Math.max(Math.abs(k), 1);
}

/** True when `v` lies near a declared kink (within NEAR_KINK_STEPS + 0.5 steps), but not on it. */
export function isNearKink(v: number, kinks: readonly number[]): boolean {
  return kinks.some((k) => v !== k && Math.abs(v - k) <= (NEAR_KINK_STEPS + 0.5) * kinkStep(k));
}

/**
 * The scale a drawn input value belongs to: `near kink 3`, `about 1` (|v| up to 4, the special
 * values included), `about +10`, `about -10`, `about +30`, `about -30`.
 */
export function scaleOf(v: number, kinks: readonly number[] = []): string {
  const near = kinks.find((k) => v !== k && Math.abs(v - k) <= (NEAR_KINK_STEPS + 0.5) * kinkStep(k));
  if (near !== undefined) return `near kink ${near}`;
  const a = Math.abs(v);
  if (a <= 4) return 'about 1';
  return `about ${v < 0 ? '-' : '+'}${a <= 17 ? 10 : 30}`;
}

/** True for the values drawn exactly (kinks are likely there). */
export function isSpecialValue(v: number): boolean {
  return (SPECIAL_VALUES as readonly number[]).includes(v);
}

export type UpstreamStyle = 'random' | 'halves' | 'signs';
export type ValueStyle = 'drawn' | 'halves' | 'integers';

export interface GradientCase {
  /** Observations (the first axis of every input). */
  batch: number;
  /** Size of one observation, per input. */
  sizes: number[][];
  /** Input values, float32, per input flattened over [batch, ...size]. */
  xs: number[][];
  values: ValueStyle;
  upstreamSeed: number;
  upstream: UpstreamStyle;
}

/** The full shape of each input, [batch, ...size]. */
export function caseShapes(c: Pick<GradientCase, 'batch' | 'sizes'>): number[][] {
  return c.sizes.map((size) => [c.batch, ...size]);
}

const elementsOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * dLdZ for outputs of `shapes` (one shape per output), from the case's seed and style, as one list:
 * the outputs' elements one after the other, each output's its own independent draws (for one
 * output, exactly what a one-output case draws). `splitByShapes` cuts it per output.
 */
export function upstreamValues(
  c: Pick<GradientCase, 'upstreamSeed' | 'upstream'>,
  shapes: readonly (readonly number[])[],
): Float32Array {
  const n = shapes.reduce((s, shape) => s + elementsOf(shape), 0);
  const rng = makeRng(c.upstreamSeed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const sign = rng() < 0.3 ? -1 : 1;
    const magnitude = 0.5 + rng();
    out[i] = sign * (c.upstream === 'random' ? magnitude : c.upstream === 'halves' ? Math.round(magnitude * 2) / 2 : 1);
  }
  return out;
}

/** A fresh input value, of one of the scales above (see the top of the file). */
function drawValue(next: () => number, specials: boolean, kinks: readonly number[], largeScales = true): number {
  const pick = <T>(xs: readonly T[]) => xs[Math.min(xs.length - 1, Math.floor(next() * xs.length))]!;
  const sign = () => (next() < 0.5 ? -1 : 1);
  let u = next();
  if (specials) {
    if (u < SPECIAL_FRACTION) return pick(SPECIAL_VALUES);
    u -= SPECIAL_FRACTION;
  }
  if (kinks.length) {
    if (u < NEAR_KINK_FRACTION) {
      const k = pick(kinks);
      return f32(k + sign() * (0.5 + (NEAR_KINK_STEPS - 0.5) * next()) * kinkStep(k));
    }
    u -= NEAR_KINK_FRACTION;
  }
  for (const scale of largeScales ? LARGE_SCALES : []) {
    if (u < scale.fraction) return f32(sign() * (scale.from + (scale.to - scale.from) * next()));
    u -= scale.fraction;
  }
  return f32(INPUT_RANGE * (2 * next() - 1));
}

/** Views of `flat` (the outputs' elements one after the other) per output of `shapes`. */
export function splitByShapes(flat: Float32Array, shapes: readonly (readonly number[])[]): Float32Array[] {
  let at = 0;
  return shapes.map((shape) => {
    const n = elementsOf(shape);
    at += n;
    return flat.subarray(at - n, at);
  });
}

/** Keeps the first `batch` observations and the first `size[d]` entries along each axis of one input's values. */
export function crop(x: readonly number[], from: readonly number[], batch: number, size: readonly number[]): number[] {
  const to = [batch, ...size];
  const strides = from.map((_, d) => from.slice(d + 1).reduce((a, b) => a * b, 1));
  const n = to.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  const idx = new Array<number>(to.length).fill(0);
  for (let k = 0; k < n; k++) {
    let flat = 0;
    for (let d = 0; d < to.length; d++) flat += idx[d]! * strides[d]!;
    out[k] = x[flat]!;
    for (let d = to.length - 1; d >= 0; d--) {
      if (++idx[d]! < to[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The case with every input cut to `batch` observations and to `sizes` (one per input). */
function cropCase(c: GradientCase, batch: number, sizes: number[][]): GradientCase {
  return { ...c, batch, sizes, xs: c.xs.map((x, i) => crop(x, [c.batch, ...c.sizes[i]!], batch, sizes[i]!)) };
}

/** Every value of every input mapped by `f`. */
const mapValues = (c: GradientCase, f: (v: number) => number) => c.xs.map((x) => x.map(f));

/** A spatial axis: every axis of an observation but the last (channels), when there are two or more. */
const isSpatial = (size: readonly number[], d: number) => d < size.length - 1;

/** The smallest, simplest case of the same kind: one observation of size 1 (channels kept), integers, signs. */
export function minimalCase(c: GradientCase): GradientCase {
  const sizes = c.sizes.map((size) => size.map((s, d) => (isSpatial(size, d) ? 1 : s)));
  const cut = cropCase(c, 1, sizes);
  return { ...cut, values: 'integers', upstream: 'signs', xs: mapValues(cut, Math.round) };
}

/** Candidates smaller or simpler than `c`, most promising first: the minimal case, then one step at a time. */
export function* shrinkCase(c: GradientCase): Generator<GradientCase> {
  const minimal = minimalCase(c);
  if (JSON.stringify(minimal) !== JSON.stringify(c)) yield minimal;
  if (c.batch > 1) yield cropCase(c, 1, c.sizes);
  // Spatial axis d of every input that has it, together: cut to 1, then halved (each input's own length).
  const axes = Math.max(0, ...c.sizes.map((size) => size.length - 1));
  const same = (a: number[][], b: number[][]) => JSON.stringify(a) === JSON.stringify(b);
  for (let d = 0; d < axes; d++) {
    const cutTo = (k: (n: number) => number) =>
      c.sizes.map((size) => size.map((s, j) => (j === d && isSpatial(size, j) ? k(s) : s)));
    const ones = cutTo(() => 1);
    const halves = cutTo((n) => Math.ceil(n / 2));
    if (!same(ones, c.sizes)) yield cropCase(c, c.batch, ones);
    if (!same(halves, c.sizes) && !same(halves, ones)) yield cropCase(c, c.batch, halves);
  }
  if (c.values === 'drawn') yield { ...c, values: 'halves', xs: mapValues(c, (v) => Math.round(v * 2) / 2) };
  if (c.values !== 'integers') yield { ...c, values: 'integers', xs: mapValues(c, Math.round) };
  if (c.upstream === 'random') yield { ...c, upstream: 'halves' };
  if (c.upstream !== 'signs') yield { ...c, upstream: 'signs' };
}

/** The fast-check arbitrary of cases of `batch` observations of `sizes` (one size per input). */
export class GradientCaseArbitrary extends fc.Arbitrary<GradientCase> {
  constructor(
    private readonly batch: number,
    private readonly sizes: number[][],
    /** Include exact SPECIAL_VALUES (kinks); off for checks that compare two analytic derivatives. */
    private readonly specials = true,
    /** The layer's declared kinks: some elements are drawn a few steps from them. */
    private readonly kinks: readonly number[] = [],
  ) {
    super();
  }

  override generate(mrng: fc.Random): fc.Value<GradientCase> {
    const next = () => mrng.nextDouble();
    // Several inputs: the first observation at unit scale (see the top of the file).
    const unitFirst = this.sizes.length > 1 && this.batch > 1;
    const xs = this.sizes.map((size) => {
      const n = elementsOf(size);
      return Array.from({ length: this.batch * n }, (_, i) =>
        drawValue(next, this.specials, this.kinks, !(unitFirst && i < n)),
      );
    });
    const upstreamSeed = mrng.nextInt(0, 0x7fffffff);
    const sizes = this.sizes.map((size) => [...size]);
    return new fc.Value({ batch: this.batch, sizes, xs, values: 'drawn', upstreamSeed, upstream: 'random' }, undefined);
  }

  override canShrinkWithoutContext(value: unknown): value is GradientCase {
    const v = value as GradientCase;
    return (
      typeof v === 'object' &&
      v !== null &&
      Array.isArray(v.xs) &&
      Array.isArray(v.sizes) &&
      typeof v.batch === 'number'
    );
  }

  override shrink(value: GradientCase): fc.Stream<fc.Value<GradientCase>> {
    return fc.stream(shrinkCase(value)).map((c) => new fc.Value(c, undefined));
  }
}

/** One draw, for checks that need inputs but no shrinking. */
export function drawCase(
  seed: number,
  batch: number,
  sizes: number[][],
  specials: boolean,
  kinks: readonly number[] = [],
): GradientCase {
  return fc.sample(new GradientCaseArbitrary(batch, sizes, specials, kinks), { seed, numRuns: 1 })[0]!;
}

/** Values as a short, exact list: `[-0.5, 1, 2.3456789]` (float32, shortest decimals), elided past `max`. */
export function formatValues(values: ArrayLike<number>, max = 24): string {
  const n = values.length;
  const shown = Array.from({ length: Math.min(n, max) }, (_, i) => String(shortestFloat32(values[i]!)));
  return `[${shown.join(', ')}${n > max ? `, ... (${n} values)` : ''}]`;
}

/**
 * One line describing a case: each input's shape and values, then dLdZ on each output: `X 2x3 = [...]; dLdZ 2x3 = [...]` for one input and one output,
 * `input 1 2x3 = [...]; input 2 ...; dLdZ of output 1 2x3 = [...]; ...` for several.
 */
export function describeCase(c: GradientCase, outputShapes: number[][]): string {
  const n = c.xs.length;
  const inputs = caseShapes(c).map(
    (shape, i) => `${n === 1 ? 'X' : inputLabel(i, n)} ${shape.join('x')} = ${formatValues(c.xs[i]!)}`,
  );
  const m = outputShapes.length;
  const g = splitByShapes(upstreamValues(c, outputShapes), outputShapes);
  const upstream = outputShapes.map(
    (shape, k) => `dLdZ${m === 1 ? '' : ` of ${outputLabel(k, m)}`} ${shape.join('x')} = ${formatValues(g[k]!)}`,
  );
  return [...inputs, ...upstream].join('; ');
}
