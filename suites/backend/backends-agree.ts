/**
 * backendsAgree: the layer's prediction and gradients (input and every learnable, through the
 * layer's own gradient path, as training sees them) on each other available backend (wasm,
 * webgpu) agree with the cpu backend within stated float32 tolerances. Several outputs and
 * inputs: every output, and the derivative with respect to every input with an upstream gradient
 * on every output, each compared on its own and named (`output 2`, `dLdX2`).
 *
 * The same input, upstream gradient and weights on every backend: they are drawn once into JS
 * arrays and made into fresh tensors after each switch, and the layer's weights (learnables and
 * state, such as running statistics that training-time calls move) are written back before each
 * backend and once more at the end, on the backend the run was on, which is restored.
 */
import { prepareBackend, type BackendName, type BackendStatus } from '../../harness/backends.ts';
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckContext, CheckOutcome } from '../../harness/check.ts';
import type { BackendComparisonEvidence, BackendsEvidence, QuantityComparison } from '../../harness/evidence/index.ts';
import type { LayerUnderTest } from '../../harness/layer-under-test.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { compareToReference, type Tolerance } from './compare-to-reference.ts';
import { positionOf } from '../../harness/numerics/position.ts';
import { formatNumber } from '../../harness/format-number.ts';
import { inputLabel, outputLabel } from '../../harness/io-labels.ts';
import type { FailureLocation } from '../../harness/result.ts';

/**
 * Tolerances (float32's unit roundoff is 2^-24 = 6.0e-8). Measured with
 * `npx tsx bench/measure-backend-tolerances.ts 20` (20 seeds, batch 4, Mesa's software webgpu
 * and wasm on this 2-core machine), worst max |backend - cpu| / max |cpu| over the reference layers:
 * - output: 2.5e-7 (4 ulp; convolution sums and webgpu's exp differ in the last bits);
 * - gradients: 2.7e-6 (conv 5x5x20 on 4 x 28x28x1, filter gradient on wasm), 1.9e-6 (batch
 *   normalization 4 x 24x24x20, dLdscale): sums over every observation and position in other orders.
 * atol is about 15x (output) and 11x (gradients) those figures, so larger inputs, whose sums are
 * longer, and GPUs' own exp still fit; a backend-specific bug (a wrong alpha, a missing term) is
 * off by orders of magnitude more.
 */
export const TOLERANCES: Readonly<Record<'output' | 'gradient', Tolerance>> = {
  output: { atol: 4e-6, rtol: 1e-5 },
  gradient: { atol: 3e-5, rtol: 1e-5 },
};

/** Observations per batch: more than one, so batch statistics and sums over the batch are exercised. */
export const BATCH = 4;

/**
 * More random upstream gradients on cpu that give each derivative its typical size (the scale of
 * atol, with the tensor's own largest |cpu|). A scalar learnable's derivative is one sum over every
 * element; for one upstream gradient it can cancel to 1/400 of its usual size while its rounding
 * stays that of its terms: measured with a residual add alpha * A + beta * B on wasm, 2 of 20 seeds
 * failed (|diff| 4.6e-6 on a dLdalpha of 0.022) before this.
 */
export const TYPICAL_DRAWS = 2;

interface Quantity {
  /** 'output', 'dLdX', 'dLd<learnable>'; several outputs or inputs: 'output 2', 'dLdX2'. */
  name: string;
  /**
   * Where a disagreement is: `parameter` 'output', 'input' or the learnable's name (several
   * outputs or inputs: 'output 2', 'input 2', with `output` or `input` set to the same label).
   */
  where: FailureLocation;
  kind: 'output' | 'gradient';
  shape: number[];
  values: ArrayLike<number>;
}

interface WeightValue {
  shape: number[];
  dtype: tf.DataType;
  values: tf.TypedArray;
}

interface BackendRun {
  backend: BackendName;
  device?: string;
  quantities?: Quantity[];
  /** Set when the layer threw on this backend. */
  error?: string;
}

export const backendsAgree: Check = {
  ...catalogEntry('backendsAgree'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const requested = [...new Set(ctx.options.compareBackends)].filter((b) => b !== ('cpu' as string));
    if (requested.length === 0)
      return {
        status: 'skipped',
        message: 'no backend to compare with cpu was requested (options.compareBackends is empty)',
      };
    const statuses: BackendStatus[] = [];
    for (const b of requested) statuses.push(await prepareBackend(b));
    const available = statuses.filter((s) => s.available);
    const unavailable = statuses.filter((s) => !s.available).map((s) => `${s.name} not compared: ${s.reason}`);
    if (available.length === 0)
      return {
        status: 'skipped',
        message: `no backend to compare with cpu here: ${unavailable.join('; ')}`,
        evidence: { kind: 'noBackends', unavailable },
      };

    const original = tf.getBackend();
    const layer = ctx.subject.layer;
    const weights = await readWeights(layer);
    const inputShapes = ctx.inputSizes.map((s) => [BATCH, ...s]);
    const Xs = inputShapes.map((shape) => normalValues(ctx.random, size(shape)));
    let dLdZs: Float32Array[] | null = null;
    let typical: Record<string, number> = {};
    const runs: BackendRun[] = [];
    try {
      for (const status of [
        { name: 'cpu', available: true, device: 'CPU (JavaScript, tfjs-backend-cpu)' } as BackendStatus,
        ...available,
      ]) {
        ctx.progress(`backendsAgree: prediction and gradients on ${status.name}`);
        const run: BackendRun = { backend: status.name, device: status.device };
        runs.push(run);
        try {
          await tf.setBackend(status.name);
          writeWeights(layer, weights);
          run.quantities = await compute(
            ctx.subject,
            Xs,
            inputShapes,
            (outShapes) => (dLdZs ??= outShapes.map((shape) => normalValues(ctx.random, size(shape)))),
          );
          if (status.name === 'cpu') typical = await typicalScales(ctx, Xs, inputShapes);
        } catch (e) {
          run.error = (e as Error)?.message?.split('\n')[0] ?? String(e);
        }
      }
    } finally {
      await tf.setBackend(original);
      writeWeights(layer, weights);
    }
    return judge(runs, inputShapes, unavailable, typical);
  },
};

/** Each derivative's largest |cpu| over TYPICAL_DRAWS more random upstream gradients, by quantity name. */
async function typicalScales(
  ctx: CheckContext,
  Xs: Float32Array[],
  inputShapes: number[][],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let d = 0; d < TYPICAL_DRAWS; d++) {
    const qs = await compute(ctx.subject, Xs, inputShapes, (outShapes) =>
      outShapes.map((shape) => normalValues(ctx.random, size(shape))),
    );
    for (const q of qs) {
      if (q.kind !== 'gradient') continue;
      let m = out[q.name] ?? 0;
      for (let i = 0; i < q.values.length; i++)
        if (Number.isFinite(q.values[i]!)) m = Math.max(m, Math.abs(q.values[i]!));
      out[q.name] = m;
    }
  }
  return out;
}

/**
 * Prediction (every output), then the gradients of sum_k sum(forward(Xs)_k * dLdZ_k) with respect
 * to every input and learnable, read into JS arrays.
 */
async function compute(
  subject: LayerUnderTest,
  Xs: Float32Array[],
  inputShapes: number[][],
  upstream: (outShapes: number[][]) => Float32Array[],
): Promise<Quantity[]> {
  const made: Tensor[] = [];
  const nIn = inputShapes.length;
  try {
    const xs = Xs.map((X, i) => tf.tensor(X, inputShapes[i], 'float32'));
    made.push(...xs);
    const Zs = subject.predictAll(xs);
    made.push(...Zs);
    const nOut = Zs.length;
    const out: Quantity[] = [];
    for (const [k, Z] of Zs.entries()) {
      const label = outputLabel(k, nOut);
      out.push({
        name: label,
        where: { parameter: label, ...(nOut > 1 ? { output: label } : {}) },
        kind: 'output',
        shape: Z.shape,
        values: await Z.data(),
      });
    }
    const values = upstream(Zs.map((Z) => Z.shape));
    const dLdZs = Zs.map((Z, k) => tf.tensor(values[k]!, Z.shape, 'float32'));
    made.push(...dLdZs);
    const g = subject.gradientsAll(xs, dLdZs);
    made.push(...g.dLdXs, ...Object.values(g.dLdLearnables));
    for (const [i, d] of g.dLdXs.entries()) {
      const label = inputLabel(i, nIn);
      out.push({
        name: nIn === 1 ? 'dLdX' : `dLdX${i + 1}`,
        where: { parameter: label, ...(nIn > 1 ? { input: label } : {}) },
        kind: 'gradient',
        shape: d.shape,
        values: await d.data(),
      });
    }
    for (const name of subject.learnableNames()) {
      const t = g.dLdLearnables[name]!;
      out.push({
        name: `dLd${name}`,
        where: { parameter: name },
        kind: 'gradient',
        shape: t.shape,
        values: await t.data(),
      });
    }
    return out;
  } finally {
    tf.dispose(made);
  }
}

interface Failure {
  message: string;
  where: CheckOutcome['where'];
}

/** The quantity nearest its tolerance, for the passing message. */
interface Closest {
  backend: string;
  quantity: string;
  ratio: number;
}

/** One backend's quantities against cpu's: a row per quantity, a failure per disagreement or shape change. */
function compareWithCpu(
  reference: Quantity[],
  backend: BackendName,
  quantities: Quantity[],
  typical: Record<string, number>,
): { rows: QuantityComparison[]; failures: Failure[]; closest: Closest | null } {
  const rows: QuantityComparison[] = [];
  const failures: Failure[] = [];
  let closest: Closest | null = null;
  for (const ref of reference) {
    const got = quantities.find((q) => q.name === ref.name)!;
    if (got.shape.join() !== ref.shape.join()) {
      failures.push({
        message: `${ref.name} on ${backend} has shape [${got.shape.join(',')}], on cpu [${ref.shape.join(',')}]`,
        where: ref.where,
      });
      continue;
    }
    const tolerance = TOLERANCES[ref.kind];
    const c = compareToReference(ref.values, got.values, tolerance, typical[ref.name] ?? 0);
    const scaleText = c.scale > maxAbs(ref.values) ? 'typical |cpu|' : 'max|cpu|';
    const worstPosition = positionOf(c.worstIndex, ref.shape);
    rows.push({ quantity: ref.name, ...c, worstPosition, tolerance });
    if (!closest || c.worstRatio > closest.ratio) closest = { backend, quantity: ref.name, ratio: c.worstRatio };
    if (!c.agrees) {
      failures.push({
        message:
          `${backend} disagrees with cpu on ${ref.name} at index ${c.worstIndex} [${worstPosition.join(',')}]: cpu ${fmt(c.cpuValue)}, ${backend} ${fmt(c.value)}, ` +
          `|diff| ${fmt(Math.abs(c.value - c.cpuValue))} > allowed ${fmt(c.allowed)} (atol ${tolerance.atol.toExponential()} x ${scaleText} ${fmt(c.scale)} + rtol ${tolerance.rtol.toExponential()} x |cpu|)`,
        where: { ...ref.where, index: c.worstIndex, position: worstPosition },
      });
    }
  }
  return { rows, failures, closest };
}

/** A TensorFlow.js limitation, not the layer's: that backend lacks an op the layer uses. */
function missingKernel(run: BackendRun): string | null {
  const missing = /Kernel '(\w+)' not registered for backend/.exec(run.error ?? '');
  return missing
    ? `${run.backend} not compared: TensorFlow.js's ${run.backend} backend has no ${missing[1]} kernel`
    : null;
}

function judge(
  runs: BackendRun[],
  inputShapes: number[][],
  unavailable: string[],
  typical: Record<string, number>,
): CheckOutcome {
  const [cpu, ...others] = runs;
  const perBackend: Record<string, BackendComparisonEvidence> = {};
  const evidence: BackendsEvidence = {
    kind: 'backends',
    reference: 'cpu',
    inputShape: inputShapes[0]!,
    ...(inputShapes.length > 1 ? { inputShapes } : {}),
    tolerances: TOLERANCES,
    rule:
      '|backend - cpu| <= atol * scale + rtol * |cpu|; scale: max|cpu| over the tensor, for a derivative also over ' +
      `the same derivative for ${TYPICAL_DRAWS} more random upstream gradients (typical |cpu|)`,
    backends: perBackend,
    unavailable,
  };
  if (!cpu?.quantities) {
    return { status: 'failed', message: `on cpu (the reference) the layer threw: ${cpu?.error}`, evidence };
  }
  const failures: Failure[] = [];
  let closest: Closest | null = null;
  for (const run of others) {
    if (!run.quantities) {
      perBackend[run.backend] = { device: run.device, error: run.error };
      const missing = missingKernel(run);
      if (missing) unavailable.push(missing);
      else failures.push({ message: `on ${run.backend} the layer threw where cpu did not: ${run.error}`, where: {} });
      continue;
    }
    const compared = compareWithCpu(cpu.quantities, run.backend, run.quantities, typical);
    failures.push(...compared.failures);
    if (compared.closest && (!closest || compared.closest.ratio > closest.ratio)) closest = compared.closest;
    const rows = compared.rows;
    perBackend[run.backend] = { device: run.device, quantities: rows };
  }
  const compared = others.filter((r) => r.quantities).map((r) => r.backend);
  if (failures.length > 0) {
    return {
      status: 'failed',
      message: failures[0]!.message,
      details: failures.slice(1).map((f) => f.message),
      where: failures[0]!.where,
      warnings: unavailable.length ? unavailable : undefined,
      evidence,
    };
  }
  if (compared.length === 0)
    return { status: 'skipped', message: `no backend to compare with cpu: ${unavailable.join('; ')}`, evidence };
  const names = cpu.quantities.map((q) => q.name).join(', ');
  const worst = closest
    ? `; closest to its tolerance: ${closest.quantity} on ${closest.backend}, at ${(closest.ratio * 100).toPrecision(2)}% of it`
    : '';
  return {
    status: 'passed',
    message: `${names} agree with cpu on ${compared.join(', ')}${worst}`,
    warnings: unavailable.length ? unavailable : undefined,
    evidence,
  };
}

async function readWeights(layer: tf.layers.Layer): Promise<WeightValue[]> {
  const out: WeightValue[] = [];
  for (const w of layer.getWeights()) out.push({ shape: w.shape, dtype: w.dtype, values: (await w.data()).slice() });
  return out;
}

/** Writes the saved values back, as fresh tensors on the current backend. */
function writeWeights(layer: tf.layers.Layer, weights: WeightValue[]): void {
  if (weights.length === 0) return;
  const ts = weights.map((w) => tf.tensor(w.values, w.shape, w.dtype));
  try {
    layer.setWeights(ts);
  } finally {
    tf.dispose(ts);
  }
}

/** Standard normal float32 values (Box-Muller over the check's seeded generator). */
function normalValues(random: () => number, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const a = 2 * Math.PI * random();
    v[i] = r * Math.cos(a);
    if (i + 1 < n) v[i + 1] = r * Math.sin(a);
  }
  return v;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) m = Math.max(m, Math.abs(values[i]!));
  return m;
}
const fmt = (v: number) => formatNumber(v, 6);
