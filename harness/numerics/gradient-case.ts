/**
 * The drawn case a gradient check runs on, as a fast-check arbitrary: the input X and a seed for
 * the upstream gradient dLdZ. Generation draws from fast-check's random source (so from the run's
 * seed); shrinking makes a failing case smaller and simpler, each step kept only if it still
 * fails: first straight to the minimal case (one observation, spatial size 1, integer inputs,
 * dLdZ of signs), else one step at a time: one observation, spatial sizes cut to 1 or halved
 * (where the layer accepts the size), input values rounded to halves then integers, dLdZ
 * rounded to halves then to signs.
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
 * `scaleOf` names the scale of a value, for the evidence.
 * dLdZ: random sign (negative with probability 0.3) times a magnitude uniform in [0.5, 1.5):
 * non-uniform, never zero, with a non-zero mean so sums over many elements do not cancel away.
 */
import fc from 'fast-check';
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
  /** Observations (the first axis). */
  batch: number;
  /** Size of one observation. */
  size: number[];
  /** Input values, float32, flattened over [batch, ...size]. */
  x: number[];
  values: ValueStyle;
  upstreamSeed: number;
  upstream: UpstreamStyle;
}

export function caseShape(c: GradientCase): number[] {
  return [c.batch, ...c.size];
}

/** dLdZ for an output of `shape`, from the case's seed and style. */
export function upstreamValues(c: Pick<GradientCase, 'upstreamSeed' | 'upstream'>, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
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
function drawValue(next: () => number, specials: boolean, kinks: readonly number[]): number {
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
  for (const scale of LARGE_SCALES) {
    if (u < scale.fraction) return f32(sign() * (scale.from + (scale.to - scale.from) * next()));
    u -= scale.fraction;
  }
  return f32(INPUT_RANGE * (2 * next() - 1));
}

/** Keeps the first `batch` observations and the first `size[d]` entries along each axis. */
export function crop(c: GradientCase, batch: number, size: number[]): number[] {
  const from = [c.batch, ...c.size];
  const to = [batch, ...size];
  const strides = from.map((_, d) => from.slice(d + 1).reduce((a, b) => a * b, 1));
  const n = to.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  const idx = new Array<number>(to.length).fill(0);
  for (let k = 0; k < n; k++) {
    let flat = 0;
    for (let d = 0; d < to.length; d++) flat += idx[d]! * strides[d]!;
    out[k] = c.x[flat]!;
    for (let d = to.length - 1; d >= 0; d--) {
      if (++idx[d]! < to[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The smallest, simplest case of the same kind: one observation of size 1 (channels kept), integers, signs. */
export function minimalCase(c: GradientCase): GradientCase {
  const size = c.size.map((s, d) => (d < c.size.length - 1 ? 1 : s));
  return { ...c, batch: 1, size, values: 'integers', upstream: 'signs', x: crop(c, 1, size).map((v) => Math.round(v)) };
}

/** Candidates smaller or simpler than `c`, most promising first: the minimal case, then one step at a time. */
export function* shrinkCase(c: GradientCase): Generator<GradientCase> {
  const minimal = minimalCase(c);
  if (JSON.stringify(minimal) !== JSON.stringify(c)) yield minimal;
  if (c.batch > 1) yield { ...c, batch: 1, x: crop(c, 1, c.size) };
  // Spatial axes: every axis of an observation but the last (channels), when there are two or more.
  for (let d = 0; d < c.size.length - 1; d++) {
    const n = c.size[d]!;
    for (const k of new Set([1, Math.ceil(n / 2)])) {
      if (k >= n) continue;
      const size = c.size.map((s, j) => (j === d ? k : s));
      yield { ...c, size, x: crop(c, c.batch, size) };
    }
  }
  if (c.values === 'drawn') yield { ...c, values: 'halves', x: c.x.map((v) => Math.round(v * 2) / 2) };
  if (c.values !== 'integers') yield { ...c, values: 'integers', x: c.x.map((v) => Math.round(v)) };
  if (c.upstream === 'random') yield { ...c, upstream: 'halves' };
  if (c.upstream !== 'signs') yield { ...c, upstream: 'signs' };
}

/** The fast-check arbitrary of cases of `batch` observations of `size`. */
export class GradientCaseArbitrary extends fc.Arbitrary<GradientCase> {
  constructor(
    private readonly batch: number,
    private readonly size: number[],
    /** Include exact SPECIAL_VALUES (kinks); off for checks that compare two analytic derivatives. */
    private readonly specials = true,
    /** The layer's declared kinks: some elements are drawn a few steps from them. */
    private readonly kinks: readonly number[] = [],
  ) {
    super();
  }

  override generate(mrng: fc.Random): fc.Value<GradientCase> {
    const n = this.batch * this.size.reduce((a, b) => a * b, 1);
    const next = () => mrng.nextDouble();
    const x = Array.from({ length: n }, () => drawValue(next, this.specials, this.kinks));
    const upstreamSeed = mrng.nextInt(0, 0x7fffffff);
    return new fc.Value(
      { batch: this.batch, size: [...this.size], x, values: 'drawn', upstreamSeed, upstream: 'random' },
      undefined,
    );
  }

  override canShrinkWithoutContext(value: unknown): value is GradientCase {
    const v = value as GradientCase;
    return (
      typeof v === 'object' && v !== null && Array.isArray(v.x) && Array.isArray(v.size) && typeof v.batch === 'number'
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
  size: number[],
  specials: boolean,
  kinks: readonly number[] = [],
): GradientCase {
  return fc.sample(new GradientCaseArbitrary(batch, size, specials, kinks), { seed, numRuns: 1 })[0]!;
}

/** Values as a short, exact list: `[-0.5, 1, 2.3456789]` (float32, shortest decimals), elided past `max`. */
export function formatValues(values: ArrayLike<number>, max = 24): string {
  const n = values.length;
  const shown = Array.from({ length: Math.min(n, max) }, (_, i) => String(shortestFloat32(values[i]!)));
  return `[${shown.join(', ')}${n > max ? `, ... (${n} values)` : ''}]`;
}

/** One line describing a case: shape, X and dLdZ (when small enough to print). */
export function describeCase(c: GradientCase, outputShape: number[] | null): string {
  const shape = caseShape(c).join('x');
  const upstream = outputShape ? formatValues(upstreamValues(c, outputShape)) : `(seed ${c.upstreamSeed})`;
  return `X ${shape} = ${formatValues(c.x)}; dLdZ ${outputShape ? outputShape.join('x') : ''} = ${upstream}`;
}
