/**
 * Compares a layer's analytic derivatives of L = sum_k sum(Z_k * dLdZ_k) (Z_k the forward outputs,
 * one term per output) with finite differences, for each input and each learnable, on one drawn
 * case. The analytic side is the layer's own gradient path as training sees it
 * (`subject.gradientsAll`). Inputs are named by `inputLabel` (`input` for one, `input 1`, `input 2`
 * for several). Every learnable is put back exactly (its float32 values) after each perturbed
 * forward pass.
 */
import { inputLabel } from '../io-labels.ts';
import type { LayerUnderTest } from '../layer-under-test.ts';
import { tf, type Tensor } from '../tf.ts';
import { analyticNoise } from './analytic-noise.ts';
import { makeLossBase, type LossBase } from './loss-difference.ts';
import { runProbe, type ProbeResult } from './probe.ts';
import { chooseCoordinates, chooseDirections, DIRECTIONS, type ParameterRole } from './sampling.ts';
import { inputScale, parameterScale } from './step.ts';
import { coordinateTarget, directionTarget, type EvaluateWith } from './targets.ts';
import { deriveSeed } from '../random.ts';
import { INPUT_RANGE, isNearKink, isSpecialValue, scaleOf, splitByShapes } from './gradient-case.ts';
import { makeRng } from '../random.ts';

/** Input elements of each scale (about 1, 10, 30, near each kink) probed one by one at least, where the input has them. */
export const PER_SCALE = 4;

/**
 * Adds, to the sampled coordinates, up to PER_SCALE elements of every scale the input holds
 * (seeded), so each scale is probed element by element even when the sample missed it.
 */
function coverScales(coords: number[], x: Float32Array, kinks: readonly number[], seed: number): number[] {
  const byScale = new Map<string, number[]>();
  x.forEach((v, i) => {
    const s = scaleOf(v, kinks);
    if (!byScale.has(s)) byScale.set(s, []);
    byScale.get(s)!.push(i);
  });
  const chosen = new Set(coords);
  const rng = makeRng(seed);
  for (const members of byScale.values()) {
    let have = members.filter((i) => chosen.has(i)).length;
    const rest = members.filter((i) => !chosen.has(i));
    while (have < PER_SCALE && rest.length) {
      const [i] = rest.splice(Math.floor(rng() * rest.length), 1);
      chosen.add(i!);
      have++;
    }
  }
  return [...chosen].sort((a, b) => a - b);
}

export interface ProbePoint extends ProbeResult {
  /** Flat element index for a coordinate probe, null for a direction. */
  index: number | null;
  /** Direction number for a direction probe, null for a coordinate. */
  direction: number | null;
}

export interface ParameterComparison {
  /** `input` (`input 1`, `input 2`, ... for several) or the learnable's name. */
  name: string;
  role: ParameterRole;
  /** Which input (0, 1, ...) for an input; null for a learnable. */
  inputIndex: number | null;
  shape: number[];
  points: ProbePoint[];
  forwardPasses: number;
}

export interface CompareArgs {
  subject: LayerUnderTest;
  /** Each input, flattened, and its full shape [batch, ...inputSize]. */
  xs: Float32Array[];
  xShapes: number[][];
  /** Makes dLdZ for the forward outputs' shapes: every output's elements one after the other. */
  upstream: (outputShapes: number[][]) => Float32Array;
  /** Seed for the choice of coordinates and directions. */
  seed: number;
  /** The layer's declared kinks (input elements near them are held still along directions). */
  kinks?: readonly number[];
  /**
   * A lighter sample of the input (at the learnables' second point, where the full input sample
   * was already probed at the first): at most `coordinates` of the sampled elements, evenly
   * spread, and `directions` directions. Ignored with `exhaustive`.
   */
  inputSample?: { coordinates: number; directions: number };
  exhaustive: boolean;
  /** Only these parameters (default: every input and every learnable). */
  only?: readonly string[];
  /** Stop at the first failing probe (when shrinking, where only pass/fail matters). */
  stopAtFirstFailure?: boolean;
  /**
   * A cheaper sample (when shrinking, where a missed failure only means a missed shrink): these
   * flat indices first (by parameter name; those that failed last time), at most
   * `maxCoordinates` elements, and `directions` directions.
   */
  focus?: { prefer: Record<string, number[]>; maxCoordinates: number; directions: number };
}

export interface Comparison {
  parameters: ParameterComparison[];
  /** Shape of each output. */
  outputShapes: number[][];
  /** dLdZ, every output's elements one after the other. */
  g: Float32Array;
  /** Forward passes, including the unperturbed one. */
  forwardPasses: number;
  /** Analytic derivatives, flattened, by parameter name. */
  analytic: Record<string, Float32Array>;
  base: LossBase;
}

/** The parameter names of a layer's `n` inputs: `input` for one, `input 1`, `input 2`, ... for several. */
export function inputNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => inputLabel(i, n));
}

/** What `subject.gradientsAll` returns: a derivative per input and one per learnable. */
export type AllGradients = ReturnType<LayerUnderTest['gradientsAll']>;

async function read(t: Tensor): Promise<Float32Array> {
  const d = await t.data();
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

/** Reads tensors back as one list, their elements one after the other (one tensor: its data itself). */
export async function readConcatenated(ts: readonly Tensor[]): Promise<Float32Array> {
  if (ts.length === 1) return read(ts[0]!);
  const parts = await Promise.all(ts.map(read));
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Forward outputs (training time) for Xs, read back as one list, and their shapes; disposes what it made. */
async function forwardValues(subject: LayerUnderTest, Xs: Tensor[]): Promise<{ z: Float32Array; shapes: number[][] }> {
  const Zs = tf.tidy(() => subject.forwardAll(Xs).Zs);
  try {
    return { z: await readConcatenated(Zs), shapes: Zs.map((Z) => Z.shape) };
  } finally {
    tf.dispose(Zs);
  }
}

/**
 * Runs a gradient computation inside tf.tidy, keeping only the derivatives: when the layer's
 * backward throws halfway, TensorFlow.js's gradient machinery leaves its intermediate tensors
 * behind otherwise.
 */
export function tidyGradients(compute: () => AllGradients): AllGradients {
  return tf.tidy(() => {
    const g = compute();
    return { dLdXs: g.dLdXs, dLdLearnables: g.dLdLearnables };
  });
}

/** Reads every derivative back by parameter name (the inputs' names, see inputNames, and the learnables') and disposes them. */
export async function readGradients(grads: AllGradients): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  const names = inputNames(grads.dLdXs.length);
  try {
    for (const [i, t] of grads.dLdXs.entries()) out[names[i]!] = Float32Array.from(await read(t));
    for (const [name, t] of Object.entries(grads.dLdLearnables)) out[name] = Float32Array.from(await read(t));
  } finally {
    tf.dispose([...grads.dLdXs, ...Object.values(grads.dLdLearnables)]);
  }
  return out;
}

/** Tensors of `values` (one list per tensor) in `shapes`. */
export function tensorsOf(values: readonly Float32Array[], shapes: readonly number[][]): Tensor[] {
  return values.map((v, i) => tf.tensor(v, shapes[i], 'float32'));
}

/** The layer's analytic derivatives for Xs and dLdZs, read back, by parameter name. */
export async function analyticGradients(
  subject: LayerUnderTest,
  Xs: Tensor[],
  dLdZs: Tensor[],
): Promise<Record<string, Float32Array>> {
  return readGradients(tidyGradients(() => subject.gradientsAll(Xs, dLdZs)));
}

/**
 * The analytic derivatives' rounding noise (analytic-noise.ts), zero where it cannot be measured
 * (a backward that throws at a jittered point: the comparison judges the point itself).
 */
async function analyticNoiseOrZero(
  args: CompareArgs,
  dLdZs: Tensor[],
  analytic: Record<string, Float32Array>,
): Promise<Record<string, Float64Array>> {
  const zero = () => Object.fromEntries(Object.entries(analytic).map(([n, g]) => [n, new Float64Array(g.length)]));
  const kinks = args.kinks ?? [];
  try {
    return await analyticNoise({
      subject: args.subject,
      xs: args.xs,
      xShapes: args.xShapes,
      dLdZs,
      analytic,
      gradients: (Xs, d) => analyticGradients(args.subject, Xs, d),
      hold: (v) => isSpecialValue(v) || isNearKink(v, kinks),
      seed: args.seed,
    });
  } catch {
    return zero();
  }
}

export async function compareGradients(args: CompareArgs): Promise<Comparison> {
  const { subject, xs, xShapes } = args;
  const batch = xShapes[0]?.[0] ?? 1;
  const Xs = tensorsOf(xs, xShapes);
  let dLdZs: Tensor[] = [];
  try {
    const { z: z0, shapes: outputShapes } = await forwardValues(subject, Xs);
    const g = args.upstream(outputShapes);
    dLdZs = tensorsOf(splitByShapes(g, outputShapes), outputShapes);
    const analytic = await analyticGradients(subject, Xs, dLdZs);
    const noise = await analyticNoiseOrZero(args, dLdZs, analytic);
    const base = makeLossBase(
      g,
      z0,
      batch,
      dLdZs.map((t) => t.size),
    );
    let forwardPasses = 1;
    const inputs = inputNames(xs.length);
    const names = [...inputs, ...subject.learnableNames()].filter((n) => !args.only || args.only.includes(n));
    const parameters: ParameterComparison[] = [];
    for (const name of names) {
      const inputIndex = inputs.indexOf(name) >= 0 ? inputs.indexOf(name) : null;
      const role: ParameterRole = inputIndex === null ? 'learnable' : 'input';
      const access = await parameterAccess(args, Xs, name, inputIndex);
      const grad = analytic[name];
      if (!grad || grad.length !== access.values.length) {
        throw new Error(
          `the derivative for ${name} has ${grad?.length ?? 0} elements, the ${role === 'input' ? name : 'learnable'} has ${access.values.length}`,
        );
      }
      const probed = await probeParameter(args, base, name, role, access, grad, noise[name]!);
      forwardPasses += probed.passes;
      parameters.push({
        name,
        role,
        inputIndex,
        shape: access.shape,
        points: probed.points,
        forwardPasses: probed.passes,
      });
      if (probed.stopped) break;
    }
    return { parameters, outputShapes, g, forwardPasses, analytic, base };
  } finally {
    tf.dispose([...Xs, ...dLdZs]);
  }
}

/** A parameter's values and shape, and the forward output with it moved (the input, or a learnable put back after). */
interface ParameterAccess {
  values: Float32Array;
  shape: number[];
  evaluateWith: EvaluateWith;
}

async function parameterAccess(
  args: CompareArgs,
  Xs: Tensor[],
  name: string,
  inputIndex: number | null,
): Promise<ParameterAccess> {
  const { subject } = args;
  if (inputIndex !== null) {
    const shape = args.xShapes[inputIndex]!;
    return {
      values: args.xs[inputIndex]!,
      shape,
      evaluateWith: async (moved) => {
        const Xm = tf.tensor(moved, shape, 'float32');
        try {
          return (
            await forwardValues(
              subject,
              Xs.map((X, i) => (i === inputIndex ? Xm : X)),
            )
          ).z;
        } finally {
          Xm.dispose();
        }
      },
    };
  }
  const variable = subject.learnableVariable(name);
  const values = await read(variable);
  const shape = variable.shape;
  const put = (v: Float32Array) => {
    const t = tf.tensor(v, shape, 'float32');
    variable.assign(t);
    t.dispose();
  };
  return {
    values,
    shape,
    evaluateWith: async (moved) => {
      put(moved);
      try {
        return (await forwardValues(subject, Xs)).z;
      } finally {
        put(values);
      }
    },
  };
}

/**
 * Probes one parameter: its sampled coordinates (for the input also elements at every scale and
 * near kinks, or the focus of a shrink), then random directions; stops at the first failure
 * when asked to.
 */
async function probeParameter(
  args: CompareArgs,
  base: LossBase,
  name: string,
  role: ParameterRole,
  { values, shape, evaluateWith }: ParameterAccess,
  grad: Float32Array,
  /** The rounding noise of each element of `grad` (analytic-noise.ts). */
  gradNoise: Float64Array,
): Promise<{ points: ProbePoint[]; passes: number; stopped: boolean }> {
  const kinks = args.kinks ?? [];
  const scale = role === 'input' ? inputScale(values, INPUT_RANGE) : parameterScale(values);
  const sampleSeed = deriveSeed(args.seed, `${role}:${shape.join('x')}`);
  let coords = chooseCoordinates(values.length, role, args.exhaustive, sampleSeed);
  const light = role === 'input' && !args.exhaustive ? args.inputSample : undefined;
  if (role === 'input' && !args.focus && !light)
    coords = coverScales(coords, values, kinks, deriveSeed(sampleSeed, 'scales'));
  let directionCount: number = DIRECTIONS;
  if (light) {
    const every = Math.ceil(coords.length / light.coordinates);
    coords = coords.filter((_, i) => i % every === 0);
    directionCount = light.directions;
  }
  if (args.focus) {
    const prefer = (args.focus.prefer[name] ?? []).filter((i) => i < values.length);
    coords = [...new Set([...prefer, ...coords])].slice(0, args.focus.maxCoordinates);
    directionCount = args.focus.directions;
  }
  const directions = chooseDirections(values.length, directionCount, deriveSeed(sampleSeed, 'directions'));
  const hold = role === 'input' ? (v: number) => isSpecialValue(v) || isNearKink(v, kinks) : undefined;
  const floor = role === 'input' ? 'output' : 'changed';
  const points: ProbePoint[] = [];
  let passes = 0;
  const run = async (point: () => Promise<ProbePoint>) => {
    const p = await point();
    passes += p.evaluations;
    points.push(p);
    return p.passed || !args.stopAtFirstFailure;
  };
  let going = true;
  for (const index of coords) {
    going = await run(async () => ({
      ...(await runProbe(base, coordinateTarget(values, grad, gradNoise, index, scale, evaluateWith, floor))),
      index,
      direction: null,
    }));
    if (!going) break;
  }
  for (let d = 0; going && d < directions.length; d++) {
    going = await run(async () => ({
      ...(await runProbe(
        base,
        directionTarget(values, grad, gradNoise, directions[d]!, scale, evaluateWith, floor, hold),
      )),
      index: null,
      direction: d,
    }));
  }
  return { points, passes, stopped: !going };
}
