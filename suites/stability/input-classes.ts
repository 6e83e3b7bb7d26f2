/**
 * The input classes of the stability suite. Each class is one value (or, for `mixed`, every
 * value at once) filling a whole input tensor [N, ...inputSize], and each is reported on its own.
 *
 *   moderate      ±10, ±30
 *   expOverflow   ±88, ±88.72, ±88.73, ±89, ±100    (float32 exp overflows between 88.72 and 88.73)
 *   large         ±1e4, ±1e10, ±1e30, ±3.4e38         (3.4e38 is at the float32 maximum, 3.4028e38)
 *   zero          +0, -0
 *   subnormal     ±1e-38, ±1e-40, ±1.4e-45            (float32 normals start at 1.1755e-38, so 1e-38 is
 *                                                      subnormal; 1.4e-45 is the smallest subnormal)
 *   tinyNormal    ±1.18e-38                           (just above the smallest float32 normal)
 *   kink          the layer's declared kinks not already above (0 always is: zero+0)
 *   mixedReachable  every value above of magnitude up to 1e4 in one tensor (seeded arrangement)
 *   mixed         all of the above in one tensor, in a seeded arrangement: catches an element
 *                 that poisons the others through a reduction (a sum, a mean, a max over channels)
 *
 * Severity: `extreme` for 1e10, 1e30, 3.4e38 (both signs) and `mixed` (which holds them): a network
 * does not reach them, so what they find is a warning unless the strict option asks for failures;
 * every other class is `reachable`, where NaN and dishonest Infinity fail.
 *
 * Kinks: a layer may declare where its function is not smooth with a `kinks: number[]` property
 * on the layer instance (relu6: `kinks = [0, 6]`); each finite value becomes a class of its own.
 */
import type { InputFamily } from '../../harness/evidence/index.ts';
export { declaredKinks, type DeclaredKinks } from '../../harness/declared-kinks.ts';
import { makeRng } from '../../harness/random.ts';

export type { InputFamily } from '../../harness/evidence/index.ts';

export interface InputClass {
  /** Stable name, used in messages and reports: `expOverflow+88.73`, `zero-0`, `mixed`. */
  id: string;
  family: InputFamily;
  /** The values the tensor holds (one for every class but `mixed`), as float32 numbers. */
  values: number[];
  /** How each value is written in messages: `88.73`, `-0`, `3.4e38`. */
  labels: string[];
  /** Observations in the tensor: the same for every class (at least 2; enough for `mixed` to hold every value). */
  batch: number;
  /**
   * Where overflow may be honest (judge-cell.ts): values of at least this magnitude may drive an
   * exact result past the float32 maximum (AT_FLOAT32_MAX for one value; SQRT_FLOAT32_MAX for
   * `mixed`, whose variance and other second moments pass the float32 maximum once it holds a
   * value whose square does), and whether a NaN they cause is honest too (only in `mixed`).
   */
  honest: { from: number; nan: boolean };
  severity: 'reachable' | 'extreme';
}

/** Magnitudes at or above this make a class extreme (1e10 and up). */
export const EXTREME_FROM = 1e10;

/** The largest finite float32, 3.4028235e38. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Magnitudes at or above this are "at the float32 maximum": Infinity derived from them can be honest overflow. */
export const AT_FLOAT32_MAX = Math.fround(3.4e38);

/** sqrt(FLOAT32_MAX), 1.8447e19: a value past it has a square past the float32 maximum. */
export const SQRT_FLOAT32_MAX = Math.sqrt(FLOAT32_MAX);

/** The fewest observations per class. */
export const MIN_BATCH = 2;

const POSITIVE: { family: InputFamily; labels: string[] }[] = [
  { family: 'moderate', labels: ['10', '30'] },
  { family: 'expOverflow', labels: ['88', '88.72', '88.73', '89', '100'] },
  { family: 'large', labels: ['1e4', '1e10', '1e30', '3.4e38'] },
];
const SMALL: { family: InputFamily; labels: string[] }[] = [
  { family: 'subnormal', labels: ['1e-38', '1e-40', '1.4e-45'] },
  { family: 'tinyNormal', labels: ['1.18e-38'] },
];

/**
 * Every input class, in the order they are reported: for each family its positive values, then
 * their negatives; zeros; subnormals and tiny normals of both signs; the declared kinks; mixed.
 */
export function inputClasses(inputSize: readonly number[], kinks: readonly number[] = []): InputClass[] {
  const single: InputClass[] = [];
  // The batch is set below, once the number of values is known: one shape for every class.
  const add = (family: InputFamily, label: string, value: number) =>
    single.push({
      id: `${family}${label.startsWith('-') ? '' : '+'}${label}`,
      family,
      values: [Math.fround(value)],
      labels: [label],
      batch: 0,
      honest: { from: AT_FLOAT32_MAX, nan: false },
      severity: Math.abs(value) >= EXTREME_FROM ? 'extreme' : 'reachable',
    });
  for (const { family, labels } of POSITIVE) {
    for (const l of labels) add(family, l, Number(l));
    for (const l of labels) add(family, `-${l}`, -Number(l));
  }
  add('zero', '0', 0);
  add('zero', '-0', -0);
  for (const { family, labels } of SMALL) {
    for (const l of labels) add(family, l, Number(l));
    for (const l of labels) add(family, `-${l}`, -Number(l));
  }
  const present = (v: number) => single.some((c) => Object.is(c.values[0], v));
  for (const k of kinks) {
    const v = Math.fround(k);
    if (!present(v)) add('kink', formatValue(v), v);
  }
  const values = single.map((c) => c.values[0]!);
  const labels = single.map((c) => c.labels[0]!);
  const perObservation = inputSize.reduce((a, b) => a * b, 1);
  const batch = Math.max(MIN_BATCH, Math.ceil(values.length / Math.max(1, perObservation)));
  for (const c of single) c.batch = batch;
  const reachable = single.filter((c) => c.severity === 'reachable');
  const mixedReachable: InputClass = {
    id: 'mixedReachable',
    family: 'mixed',
    values: reachable.map((c) => c.values[0]!),
    labels: reachable.map((c) => c.labels[0]!),
    batch,
    honest: { from: AT_FLOAT32_MAX, nan: false },
    severity: 'reachable',
  };
  const mixed: InputClass = {
    id: 'mixed',
    family: 'mixed',
    values,
    labels,
    batch,
    honest: { from: SQRT_FLOAT32_MAX, nan: true },
    severity: 'extreme',
  };
  return [...single, mixedReachable, mixed];
}

/**
 * The tensor's contents for one class, [batch, ...inputSize] flattened: the single value
 * everywhere, or for `mixed` a seeded arrangement in which every value occurs at least once
 * (consecutive shuffles of all values, cut to the tensor's size).
 */
export function classData(c: InputClass, inputSize: readonly number[], seed: number): Float32Array {
  const size = c.batch * inputSize.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (c.values.length === 1) return out.fill(c.values[0]!);
  const random = makeRng(seed);
  const order = c.values.map((_, i) => i);
  for (let start = 0; start < size; start += order.length) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let k = 0; k < order.length && start + k < size; k++) out[start + k] = c.values[order[k]!]!;
  }
  return out;
}

/** The same data with every value of magnitude `from` or more set to 0: what is left when honest overflow is taken away. */
export function withoutHuge(data: Float32Array, from: number): Float32Array {
  return data.map((v) => (Math.abs(v) >= from ? 0 : v));
}

export function holdsHuge(data: Float32Array, from: number): boolean {
  return data.some((v) => Math.abs(v) >= from);
}

/** How a value of the class is written in messages: its label (`1e30`, `-0`), else the shortest float32 decimal. */
export function labelOf(c: InputClass, v: number): string {
  const i = c.values.findIndex((x) => Object.is(x, v));
  return i >= 0 ? c.labels[i]! : formatValue(v);
}

/** The shortest decimal that reads back as the same float32 (keeps the sign of -0): `88.73`, `3.4e+38`, `-0`. */
export function formatValue(v: number): string {
  if (Object.is(v, -0)) return '-0';
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}
