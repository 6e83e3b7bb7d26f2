/**
 * Compares a layer's analytic derivatives of L = sum(forward(X) * dLdZ) with finite differences,
 * for the input and each learnable, on one drawn case. The analytic side is the layer's own
 * gradient path as training sees it (`subject.gradients`). Every learnable is put back exactly
 * (its float32 values) after each perturbed forward pass.
 */
import type { Gradients, LayerUnderTest } from '../layer-under-test.ts';
import { tf, type Tensor } from '../tf.ts';
import { makeLossBase, type LossBase } from './loss-difference.ts';
import { runProbe, type ProbeResult } from './probe.ts';
import { chooseCoordinates, chooseDirections, DIRECTIONS, type ParameterRole } from './sampling.ts';
import { inputScale, parameterScale } from './step.ts';
import { coordinateTarget, directionTarget, type EvaluateWith } from './targets.ts';
import { deriveSeed } from '../random.ts';
import { INPUT_RANGE, isNearKink, isSpecialValue, scaleOf } from './gradient-case.ts';
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
  /** `input` or the learnable's name. */
  name: string;
  role: ParameterRole;
  shape: number[];
  points: ProbePoint[];
  forwardPasses: number;
}

export interface CompareArgs {
  subject: LayerUnderTest;
  /** The input, flattened, and its full shape [batch, ...inputSize]. */
  x: Float32Array;
  xShape: number[];
  /** Makes dLdZ for the forward output's shape. */
  upstream: (outputShape: number[]) => Float32Array;
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
  /** Only these parameters (default: input and every learnable). */
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
  outputShape: number[];
  g: Float32Array;
  /** Forward passes, including the unperturbed one. */
  forwardPasses: number;
  /** Analytic derivatives, flattened, by parameter name. */
  analytic: Record<string, Float32Array>;
  base: LossBase;
}

export const INPUT = 'input';

async function read(t: Tensor): Promise<Float32Array> {
  const d = await t.data();
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

/** Forward output (training time) for X, read back; disposes what it made. */
async function forwardValues(subject: LayerUnderTest, X: Tensor): Promise<{ z: Float32Array; shape: number[] }> {
  const Z = tf.tidy(() => subject.forward(X).Z);
  try {
    return { z: await read(Z), shape: Z.shape };
  } finally {
    Z.dispose();
  }
}

/**
 * Runs a gradient computation inside tf.tidy, keeping only the derivatives: when the layer's
 * backward throws halfway, TensorFlow.js's gradient machinery leaves its intermediate tensors
 * behind otherwise.
 */
export function tidyGradients(compute: () => Gradients): Gradients {
  return tf.tidy(() => {
    const g = compute();
    return { dLdX: g.dLdX, dLdLearnables: g.dLdLearnables };
  });
}

/** The layer's analytic derivatives for X and dLdZ, read back, by parameter name. */
export async function analyticGradients(
  subject: LayerUnderTest,
  X: Tensor,
  dLdZ: Tensor,
): Promise<Record<string, Float32Array>> {
  const grads = tidyGradients(() => subject.gradients(X, dLdZ));
  const out: Record<string, Float32Array> = {};
  try {
    out[INPUT] = await read(grads.dLdX);
    for (const [name, t] of Object.entries(grads.dLdLearnables)) out[name] = await read(t);
  } finally {
    grads.dLdX.dispose();
    for (const t of Object.values(grads.dLdLearnables)) t.dispose();
  }
  return out;
}

export async function compareGradients(args: CompareArgs): Promise<Comparison> {
  const { subject, x, xShape } = args;
  const batch = xShape[0] ?? 1;
  const X = tf.tensor(x, xShape, 'float32');
  let dLdZ: Tensor | null = null;
  try {
    const { z: z0, shape: outputShape } = await forwardValues(subject, X);
    const g = args.upstream(outputShape);
    dLdZ = tf.tensor(g, outputShape, 'float32');
    const analytic = await analyticGradients(subject, X, dLdZ);
    const base = makeLossBase(g, z0, batch);
    let forwardPasses = 1;
    const names = [INPUT, ...subject.learnableNames()].filter((n) => !args.only || args.only.includes(n));
    const parameters: ParameterComparison[] = [];
    for (const name of names) {
      const role: ParameterRole = name === INPUT ? 'input' : 'learnable';
      const access = await parameterAccess(args, X, name, role);
      const grad = analytic[name];
      if (!grad || grad.length !== access.values.length) {
        throw new Error(
          `the derivative for ${name} has ${grad?.length ?? 0} elements, the ${role === 'input' ? 'input' : 'learnable'} has ${access.values.length}`,
        );
      }
      const probed = await probeParameter(args, base, name, role, access, grad);
      forwardPasses += probed.passes;
      parameters.push({ name, role, shape: access.shape, points: probed.points, forwardPasses: probed.passes });
      if (probed.stopped) break;
    }
    return { parameters, outputShape, g, forwardPasses, analytic, base };
  } finally {
    X.dispose();
    dLdZ?.dispose();
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
  X: Tensor,
  name: string,
  role: ParameterRole,
): Promise<ParameterAccess> {
  const { subject, x, xShape } = args;
  if (role === 'input') {
    return {
      values: x,
      shape: xShape,
      evaluateWith: async (moved) => {
        const Xm = tf.tensor(moved, xShape, 'float32');
        try {
          return (await forwardValues(subject, Xm)).z;
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
        return (await forwardValues(subject, X)).z;
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
      ...(await runProbe(base, coordinateTarget(values, grad, index, scale, evaluateWith, floor))),
      index,
      direction: null,
    }));
    if (!going) break;
  }
  for (let d = 0; going && d < directions.length; d++) {
    going = await run(async () => ({
      ...(await runProbe(base, directionTarget(values, grad, directions[d]!, scale, evaluateWith, floor, hold))),
      index: null,
      direction: d,
    }));
  }
  return { points, passes, stopped: !going };
}
