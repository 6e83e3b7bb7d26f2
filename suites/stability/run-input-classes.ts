/**
 * Runs one probe (the layer's output, or its gradients) on every input class and judges each
 * resulting tensor: the stability grid. Reads tensors with `await t.data()` (webgpu in Node has
 * no dataSync) and disposes every tensor it makes.
 */
import type { CheckContext } from '../../harness/check.ts';
import { deriveSeed } from '../../harness/random.ts';
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
  /** Synchronous; runs inside tf.tidy. One tensor per column key. */
  run(X: Tensor, inputClass: InputClass): Record<string, Tensor>;
  /** Rule (b) of judge-cell.ts for one column: the exact values may honestly pass the float32 maximum. */
  honestBound?(key: string, X: Float32Array, inputClass: InputClass): boolean;
}

export interface ClassRun {
  grid: StabilityGrid;
  /** Notes for the check's warnings (an ignored `kinks` property). */
  notes: string[];
}

export async function runInputClasses(ctx: CheckContext, probe: Probe): Promise<ClassRun> {
  const { tf } = ctx;
  const declared = declaredKinks(ctx.subject.layer);
  const notes = declared.problem ? [declared.problem] : [];
  const classes = inputClasses(ctx.inputSize, declared.kinks);
  const rows: StabilityRow[] = [];
  for (const c of classes) {
    const shape = [c.batch, ...ctx.inputSize];
    const data = classData(c, ctx.inputSize, deriveSeed(ctx.seed, `stability:${c.id}`));
    const row: StabilityRow = {
      inputClass: c.id,
      family: c.family,
      values: c.labels,
      inputShape: shape,
      severity: c.severity,
      cells: {},
    };
    rows.push(row);
    let main: Computed;
    try {
      main = await compute(tf, probe, c, data, shape);
    } catch (e) {
      row.error = `${(e as Error)?.message ?? String(e)}`.split('\n')[0]!;
      continue;
    }
    const magnitudes =
      c.id === 'mixed'
        ? new Map<string, Map<number, number>>()
        : await infinityMagnitudes(tf, probe, c, data, shape, main);
    const counterfactual = c.id === 'mixed' ? await withoutHugeValues(tf, probe, c, data, shape, main) : undefined;
    for (const col of probe.columns) {
      const values = main.values[col.key];
      const colShape = main.shapes[col.key];
      if (!values || !colShape) continue;
      const sameShape = colShape.length === shape.length && colShape.every((d, i) => d === shape[i]);
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
        inputAt: (i) => (sameShape ? labelOf(c, data[i]!) : c.values.length === 1 ? c.labels[0] : undefined),
      });
    }
  }
  return { grid: { backend: ctx.backend, columns: probe.columns, rows }, notes };
}

/**
 * Rule (a) of judge-cell.ts: the exact magnitude of each ±Infinity, from the layer's own values
 * with the input scaled down (every class but `mixed`, where values span 1e-45 to 3.4e38).
 */
async function infinityMagnitudes(
  tf: CheckContext['tf'],
  probe: Probe,
  c: InputClass,
  data: Float32Array,
  shape: number[],
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
          data.map((v) => v * s),
          shape,
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

/** Rule (a') of judge-cell.ts, `mixed` only: with non-finite values somewhere and huge values in the input, run again without them. */
async function withoutHugeValues(
  tf: CheckContext['tf'],
  probe: Probe,
  c: InputClass,
  data: Float32Array,
  shape: number[],
  main: Computed,
): Promise<Computed | undefined> {
  if (!holdsHuge(data, c.honest.from) || !Object.values(main.values).some((v) => hasNonFinite(v))) return undefined;
  try {
    return await compute(tf, probe, c, withoutHuge(data, c.honest.from), shape);
  } catch {
    return undefined;
  }
}

interface Computed {
  values: Record<string, ArrayLike<number>>;
  shapes: Record<string, number[]>;
}

async function compute(
  tf: CheckContext['tf'],
  probe: Probe,
  c: InputClass,
  data: Float32Array,
  shape: number[],
): Promise<Computed> {
  const X = tf.tensor(data, shape, 'float32');
  let out: Record<string, Tensor> = {};
  try {
    out = tf.tidy(() => probe.run(X, c) as unknown as TF.TensorContainer) as unknown as Record<string, Tensor>;
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
    X.dispose();
    for (const t of Object.values(out)) t.dispose();
  }
}
