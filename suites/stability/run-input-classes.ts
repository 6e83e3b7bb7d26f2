/**
 * Runs one probe (the layer's outputs, or its gradients) on every input class and judges each
 * resulting tensor: the stability grid. A layer with several inputs gets each class at each input
 * in turn, the others holding ordinary values, and then at all inputs together: one row each.
 * Reads tensors with `await t.data()` (webgpu in Node has no dataSync) and disposes every tensor
 * it makes.
 */
import type { CheckContext } from '../../harness/check.ts';
import { inputLabel } from '../../harness/io-labels.ts';
import { deriveSeed, makeRng } from '../../harness/random.ts';
import type { Tensor, tf as TF } from '../../harness/tf.ts';
import type { StabilityColumn, StabilityGrid, StabilityRow } from './grid.ts';
import {
  classData,
  declaredKinks,
  holdsHuge,
  inputClasses,
  labelOf,
  withoutHuge,
  type InputClass,
} from './input-classes.ts';
import { estimateMagnitudes } from './exact-magnitude.ts';
import { hasNonFinite, judgeCell } from './judge-cell.ts';

function hasInfinity(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] === Infinity || values[i] === -Infinity) return true;
  return false;
}

/** Flat indices of the ±Infinity elements (estimated together: one forward pass serves every element). */
function infinityIndices(values: ArrayLike<number>): number[] {
  const all: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === Infinity || values[i] === -Infinity) all.push(i);
  return all;
}

export interface Probe {
  columns: StabilityColumn[];
  /** Synchronous; runs inside tf.tidy. `Xs`: one tensor per input. One tensor per column key. */
  run(Xs: Tensor[], inputClass: InputClass): Record<string, Tensor>;
  /**
   * Rule (b) of judge-cell.ts for one column: the exact values may honestly pass the float32 maximum.
   * `Xs`: every input's values.
   */
  honestBound?(key: string, Xs: Float32Array[], inputClass: InputClass): boolean;
}

export interface ClassRun {
  grid: StabilityGrid;
  /** Notes for the check's warnings (an ignored `kinks` property). */
  notes: string[];
}

/**
 * Which inputs a row gives the class to. A one-input layer: its input (no label, rows read as
 * before). Several inputs: each input in turn (`input 2`), the others ordinary values, then all
 * inputs together (`all inputs`).
 */
export interface Target {
  label?: string;
  inputs: number[];
}

/** The label of the row that gives the class to every input of a layer with several. */
export const ALL_INPUTS = 'all inputs';

export function targetsOf(numInputs: number): Target[] {
  const all = Array.from({ length: numInputs }, (_, i) => i);
  if (numInputs === 1) return [{ inputs: [0] }];
  return [...all.map((i) => ({ label: inputLabel(i, numInputs), inputs: [i] })), { label: ALL_INPUTS, inputs: all }];
}

/**
 * Ordinary values for the inputs a row does not give the class to: seeded standard normal values,
 * the same for every row, so a row differs from its neighbours only in the class.
 */
export function ordinaryData(size: number, seed: number): Float32Array {
  const random = makeRng(seed);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const a = 2 * Math.PI * random();
    v[i] = r * Math.cos(a);
    if (i + 1 < size) v[i + 1] = r * Math.sin(a);
  }
  return v;
}

/** One row's inputs: every input's values and shape, and which inputs hold the class. */
interface RowInputs {
  data: Float32Array[];
  shapes: number[][];
  /** Indices into `data` of the inputs that hold the class (the ones scaled or cleared by the rules). */
  targeted: number[];
}

export async function runInputClasses(ctx: CheckContext, probe: Probe): Promise<ClassRun> {
  const { tf } = ctx;
  const sizes = ctx.inputSizes;
  const n = sizes.length;
  const declared = declaredKinks(ctx.subject.layer);
  const notes = declared.problem ? [declared.problem] : [];
  // The batch is set from the smallest input, so every input's tensor can hold every value of `mixed`.
  const smallest = sizes.reduce((a, b) => (volume(b) < volume(a) ? b : a));
  const classes = inputClasses(smallest, declared.kinks);
  const targets = targetsOf(n);
  const rows: StabilityRow[] = [];
  for (const c of classes) {
    for (const target of targets) {
      const shapes = sizes.map((s) => [c.batch, ...s]);
      const data = sizes.map((s, i) =>
        target.inputs.includes(i)
          ? classData(
              c,
              s,
              deriveSeed(ctx.seed, n === 1 ? `stability:${c.id}` : `stability:${c.id}:${inputLabel(i, n)}`),
            )
          : ordinaryData(c.batch * volume(s), deriveSeed(ctx.seed, `stability:ordinary:${inputLabel(i, n)}`)),
      );
      const inputs: RowInputs = { data, shapes, targeted: target.inputs };
      const first = target.inputs[0]!;
      const row: StabilityRow = {
        inputClass: c.id,
        ...(target.label ? { input: target.label } : {}),
        family: c.family,
        values: c.labels,
        inputShape: shapes[first]!,
        severity: c.severity,
        cells: {},
      };
      rows.push(row);
      let main: Computed;
      try {
        main = await compute(tf, probe, c, inputs);
      } catch (e) {
        row.error = `${(e as Error)?.message ?? String(e)}`.split('\n')[0]!;
        continue;
      }
      const magnitudes =
        c.id === 'mixed'
          ? new Map<string, Map<number, number>>()
          : await infinityMagnitudes(tf, probe, c, inputs, main);
      const counterfactual = c.id === 'mixed' ? await withoutHugeValues(tf, probe, c, inputs, main) : undefined;
      const classData0 = data[first]!;
      const inputShape = shapes[first]!;
      for (const col of probe.columns) {
        const values = main.values[col.key];
        const colShape = main.shapes[col.key];
        if (!values || !colShape) continue;
        const sameShape = colShape.length === inputShape.length && colShape.every((d, i) => d === inputShape[i]);
        row.cells[col.key] = judgeCell({
          values,
          shape: colShape,
          counterfactual: counterfactual?.values[col.key],
          counterfactualReason: c.family === 'mixed' ? 'sqrtFloat32Max' : 'float32Max',
          nanMayBeHonest: c.honest.nan,
          honestBound: probe.honestBound?.(col.key, data, c) ?? false,
          magnitudes: magnitudes.get(col.key),
          extreme: c.severity === 'extreme',
          strict: ctx.options.strictStability,
          // The class's value at an element: one value, or (a tensor shaped as the input that got the
          // class, the first of them) the value at the same position there.
          inputAt: (i) => (c.values.length === 1 ? c.labels[0] : sameShape ? labelOf(c, classData0[i]!) : undefined),
        });
      }
    }
  }
  return { grid: { backend: ctx.backend, columns: probe.columns, rows }, notes };
}

function volume(size: readonly number[]): number {
  return size.reduce((a, b) => a * b, 1);
}

/** The row's inputs with the class's values (the targeted inputs) replaced by `f` of them. */
function mapTargeted(inputs: RowInputs, f: (data: Float32Array) => Float32Array): RowInputs {
  return { ...inputs, data: inputs.data.map((d, i) => (inputs.targeted.includes(i) ? f(d) : d)) };
}

/**
 * Rule (a) of judge-cell.ts: the exact magnitude of each ±Infinity, from the layer's own values
 * with the class's values scaled down (every class but `mixed`, where values span 1e-45 to
 * 3.4e38); inputs holding ordinary values stay as they are.
 */
async function infinityMagnitudes(
  tf: CheckContext['tf'],
  probe: Probe,
  c: InputClass,
  inputs: RowInputs,
  main: Computed,
): Promise<Map<string, Map<number, number>>> {
  const magnitudes = new Map<string, Map<number, number>>();
  if (!Object.values(main.values).some((v) => hasInfinity(v))) return magnitudes;
  const scaled = new Map<number, Promise<Computed>>();
  const at = (s: number) => {
    if (!scaled.has(s))
      scaled.set(
        s,
        compute(
          tf,
          probe,
          c,
          mapTargeted(inputs, (d) => d.map((v) => v * s)),
        ),
      );
    return scaled.get(s)!;
  };
  for (const col of probe.columns) {
    const values = main.values[col.key];
    if (!values || !hasInfinity(values)) continue;
    const targets = infinityIndices(values);
    try {
      magnitudes.set(col.key, await estimateMagnitudes(async (s) => (await at(s)).values[col.key]!, targets));
    } catch {
      // The layer threw at a smaller input: no estimate, so its Infinity counts as a defect.
    }
  }
  return magnitudes;
}

/**
 * Rule (a') of judge-cell.ts, `mixed` only: with non-finite values somewhere and huge values in
 * the class's inputs, run again without them.
 */
async function withoutHugeValues(
  tf: CheckContext['tf'],
  probe: Probe,
  c: InputClass,
  inputs: RowInputs,
  main: Computed,
): Promise<Computed | undefined> {
  const huge = inputs.targeted.some((i) => holdsHuge(inputs.data[i]!, c.honest.from));
  if (!huge || !Object.values(main.values).some((v) => hasNonFinite(v))) return undefined;
  try {
    return await compute(
      tf,
      probe,
      c,
      mapTargeted(inputs, (d) => withoutHuge(d, c.honest.from)),
    );
  } catch {
    return undefined;
  }
}

interface Computed {
  values: Record<string, ArrayLike<number>>;
  shapes: Record<string, number[]>;
}

async function compute(tf: CheckContext['tf'], probe: Probe, c: InputClass, inputs: RowInputs): Promise<Computed> {
  const Xs = inputs.data.map((d, i) => tf.tensor(d, inputs.shapes[i], 'float32'));
  let out: Record<string, Tensor> = {};
  try {
    out = tf.tidy(() => probe.run(Xs, c) as unknown as TF.TensorContainer) as unknown as Record<string, Tensor>;
    const keys = Object.keys(out);
    const read = await Promise.all(keys.map((k) => out[k]!.data()));
    const values: Record<string, ArrayLike<number>> = {};
    const shapes: Record<string, number[]> = {};
    keys.forEach((k, i) => {
      values[k] = read[i] as ArrayLike<number>;
      shapes[k] = out[k]!.shape.slice();
    });
    return { values, shapes };
  } finally {
    tf.dispose(Xs);
    for (const t of Object.values(out)) t.dispose();
  }
}
