/**
 * `CustomLayer`: a layer with its own backward (Form B), the TypeScript twin of MATLAB's
 * `nnet.layer.Layer` template. A subclass declares learnables by name in `build`, writes
 * `predict(X)`, optionally `forward(X)` (training time, may return a memory value) and optionally
 * `backward(X, Z, dLdZ, memory)`. The class is a `tf.layers.Layer` whose `call` goes through
 * `tf.customGrad`, so a Form B layer drops into `tf.sequential` and `model.fit` unchanged; without
 * `backward`, automatic differentiation of `forward` gives the gradients.
 */
import { tf, type Shape, type Tensor } from './tf.ts';

/**
 * What `forward` may return: the output alone (a Tensor, or one Tensor per output), or the output
 * and a memory value for `backward`.
 */
export type ForwardResult = Tensor | Tensor[] | { Z: Tensor | Tensor[]; memory?: Tensor | Tensor[] };

/** What `backward` returns: the derivative with respect to the input and one per learnable, by name. */
export interface BackwardResult {
  dLdX: Tensor;
  dLdLearnables?: Record<string, Tensor>;
}

/** What `backward` of a layer with several inputs or outputs returns: `dLdX` lists one derivative per input. */
export interface MultiBackwardResult {
  dLdX: Tensor[];
  dLdLearnables?: Record<string, Tensor>;
}

/** Training-time outputs, one per output, with the memory and whether the layer returned a list. */
export interface ForwardOutputs {
  Zs: Tensor[];
  memory?: Tensor | Tensor[];
  /** True when the layer returned a list of outputs (then backward takes lists). */
  listed: boolean;
}

/** How a learnable or a state value starts: a fixed value, a uniform range, or a tf initializer. */
type Initializer = ReturnType<typeof tf.initializers.zeros>;

export type InitialValue =
  | 'zeros'
  | 'ones'
  | number
  | { uniform: [number, number] }
  | { normal: { mean?: number; stddev: number } }
  | { glorotUniform: { fanIn: number; fanOut: number } }
  | Initializer;
// tf's Initializer class is not exported at run time; an initializer is recognised by its apply method.

export interface CustomLayerArgs {
  name?: string;
  trainable?: boolean;
  inputShape?: Shape;
  batchInputShape?: (number | null)[];
}

/** Thrown when a layer breaks the Form B contract (wrong derivatives returned, unknown learnable). */
export class ContractError extends Error {
  override name = 'ContractError';
}

export abstract class CustomLayer extends tf.layers.Layer {
  static className = 'CustomLayer';
  /** Shown in reports, as MATLAB's `Type` property. */
  type = '';
  /** Shown in reports, as MATLAB's `Description` property. */
  description = '';

  private readonly learnableVars = new Map<string, tf.LayerVariable>();
  private readonly stateVars = new Map<string, tf.LayerVariable>();
  /** Values bound to the learnables while a `tf.customGrad` call is running. */
  private bound: Record<string, Tensor> | null = null;

  constructor(args: CustomLayerArgs = {}) {
    super(args);
  }

  /** Prediction-time output: one argument per input; a Tensor, or a list with one Tensor per output. */
  abstract predict(...Xs: Tensor[]): Tensor | Tensor[];

  /** Training-time output, optionally with a memory value passed on to `backward`. Default: `predict`. */
  forward?(...Xs: Tensor[]): ForwardResult;

  /**
   * Hand-written derivatives. Without it, automatic differentiation of `forward` is used. One input
   * and one output: `backward(X, Z, dLdZ, memory)` returning `{ dLdX, dLdLearnables }`. Several
   * inputs or outputs: `backward(Xs, Zs, dLdZs, memory)` with lists, returning `dLdX` as a list
   * with one derivative per input.
   */
  backward?(
    X: Tensor | Tensor[],
    Z: Tensor | Tensor[],
    dLdZ: Tensor | Tensor[],
    memory: Tensor | Tensor[] | undefined,
  ): BackwardResult | MultiBackwardResult;

  /** Declares a learnable parameter; call it from `build`. Returns its variable. */
  protected addLearnable(name: string, shape: Shape, initial: InitialValue): tf.LayerVariable {
    if (this.learnableVars.has(name)) return this.learnableVars.get(name)!;
    const v = this.addWeight(name, shape, 'float32', toInitializer(initial), undefined, true);
    this.learnableVars.set(name, v);
    return v;
  }

  /** Declares a non-learnable state value (running statistics); call it from `build`. */
  protected addState(name: string, shape: Shape, initial: InitialValue): tf.LayerVariable {
    if (this.stateVars.has(name)) return this.stateVars.get(name)!;
    const v = this.addWeight(name, shape, 'float32', toInitializer(initial), undefined, false);
    this.stateVars.set(name, v);
    return v;
  }

  /** Current values of the learnables, by name. Inside `predict`, `forward` and `backward`, use these. */
  get learnables(): Record<string, Tensor> {
    if (this.bound) return this.bound;
    const out: Record<string, Tensor> = {};
    for (const [name, v] of this.learnableVars) out[name] = v.read();
    return out;
  }

  /** Current values of the state, by name. */
  get state(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, v] of this.stateVars) out[name] = v.read();
    return out;
  }

  /** Replaces a state value (for example a running mean updated in `forward`). */
  protected setState(name: string, value: Tensor): void {
    const v = this.stateVars.get(name);
    if (!v)
      throw new ContractError(
        `${this.getClassName()}.setState: no state named "${name}"; declare it with addState in build`,
      );
    // assign shares the data with a reference count: the caller may dispose `value` afterwards.
    v.write(value);
  }

  /** Names of the learnables, in declaration order. */
  learnableNames(): string[] {
    return [...this.learnableVars.keys()];
  }

  /** The variable behind a learnable, for tools that perturb it. */
  learnableVariable(name: string): tf.LayerVariable {
    const v = this.learnableVars.get(name);
    if (!v)
      throw new ContractError(
        `${this.getClassName()}: no learnable named "${name}"; declared: ${this.learnableNames().join(', ') || 'none'}`,
      );
    return v;
  }

  /** Runs `fn` with the learnables bound to `values` (used inside `tf.customGrad`). */
  withLearnables<T>(values: Record<string, Tensor>, fn: () => T): T {
    const previous = this.bound;
    this.bound = values;
    try {
      return fn();
    } finally {
      this.bound = previous;
    }
  }

  /** Training-time output and memory of a one-input, one-output layer, normalised. */
  runForward(X: Tensor): { Z: Tensor; memory?: Tensor | Tensor[] } {
    const { Zs, memory } = this.runForwardAll([X]);
    return { Z: Zs[0]!, memory };
  }

  /** Training-time outputs (one per output) and memory, normalised. */
  runForwardAll(Xs: Tensor[]): ForwardOutputs {
    const cls = this.getClassName();
    if (!this.forward) return outputsOf(this.predict(...Xs), undefined, `${cls}.predict`);
    const r = this.forward(...Xs);
    if (r instanceof tf.Tensor || Array.isArray(r)) return outputsOf(r, undefined, `${cls}.forward`);
    if (!r || !(r.Z instanceof tf.Tensor || Array.isArray(r.Z))) {
      throw new ContractError(`${cls}.forward must return a Tensor, a list of Tensors, or { Z, memory? }`);
    }
    return outputsOf(r.Z, r.memory, `${cls}.forward`);
  }

  /** `backward` of a one-input, one-output layer, checked against the contract. */
  runBackward(
    X: Tensor,
    Z: Tensor,
    dLdZ: Tensor,
    memory: Tensor | Tensor[] | undefined,
  ): { dLdX: Tensor; dLdLearnables: Record<string, Tensor> } {
    const r = this.runBackwardAll([X], { Zs: [Z], memory, listed: false }, [dLdZ]);
    return { dLdX: r.dLdXs[0]!, dLdLearnables: r.dLdLearnables };
  }

  /**
   * Calls the hand-written `backward` and checks what it returns against the contract: one
   * derivative per input and one per learnable, named as the learnables, each a Tensor. A layer
   * with one input and one output gets tensors; one with several inputs or outputs gets lists.
   */
  runBackwardAll(
    Xs: Tensor[],
    out: ForwardOutputs,
    dLdZs: Tensor[],
  ): { dLdXs: Tensor[]; dLdLearnables: Record<string, Tensor> } {
    const cls = this.getClassName();
    if (!this.backward) throw new ContractError(`${cls} has no backward`);
    const lists = Xs.length > 1 || out.listed;
    const r = lists
      ? this.backward(Xs, out.Zs, dLdZs, out.memory)
      : this.backward(Xs[0]!, out.Zs[0]!, dLdZs[0]!, out.memory);
    const shape = lists
      ? '{ dLdX: [one Tensor per input], dLdLearnables: { name: Tensor } }'
      : '{ dLdX: Tensor, dLdLearnables: { name: Tensor } }';
    if (!r || typeof r !== 'object') throw new ContractError(`${cls}.backward must return ${shape}`);
    return { dLdXs: inputDerivatives(r.dLdX, Xs.length, cls, shape), dLdLearnables: this.learnableDerivatives(r) };
  }

  private learnableDerivatives(r: BackwardResult | MultiBackwardResult): Record<string, Tensor> {
    const cls = this.getClassName();
    const names = this.learnableNames();
    const given = r.dLdLearnables ?? {};
    const givenNames = Object.keys(given);
    const missing = names.filter((n) => !(n in given));
    const extra = givenNames.filter((n) => !names.includes(n));
    if (missing.length || extra.length) {
      throw new ContractError(
        `${cls}.backward returned derivatives for [${givenNames.join(', ')}] but the learnables are [${names.join(', ')}]` +
          (missing.length ? `; missing: ${missing.join(', ')}` : '') +
          (extra.length ? `; unknown: ${extra.join(', ')}` : ''),
      );
    }
    for (const n of names) {
      if (!(given[n] instanceof tf.Tensor))
        throw new ContractError(`${cls}.backward: dLdLearnables.${n} is not a Tensor`);
    }
    return given;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    const Xs = Array.isArray(inputs) ? inputs : [inputs];
    const training = kwargs?.['training'] === true;
    const names = this.learnableNames();
    const values = names.map((n) => this.learnableVars.get(n)!.read());
    const current = Object.fromEntries(names.map((n, i) => [n, values[i]!]));
    if (!training) return this.withLearnables(current, () => this.predict(...Xs));
    // No backward: automatic differentiation of forward, straight through the variables.
    if (!this.backward) return this.withLearnables(current, () => returned(this.runForwardAll(Xs)));
    return this.callWithBackward(Xs, names, values);
  }

  /**
   * Training-time call through `tf.customGrad`, whose function returns one tensor: several outputs
   * travel packed into one flat tensor and are cut apart outside it (slices that automatic
   * differentiation undoes into the packed upstream gradient).
   */
  private callWithBackward(Xs: Tensor[], names: string[], values: Tensor[]): Tensor | Tensor[] {
    const n = Xs.length;
    let layout: { listed: boolean; shapes: Shape[]; memoryIsList: boolean; memoryCount: number } | null = null;
    const op = tf.customGrad((...args: unknown[]) => {
      const xs = args.slice(0, n) as Tensor[];
      const params = args.slice(n, n + names.length) as Tensor[];
      const save = args[n + names.length] as (ts: Tensor[]) => void;
      const bound = Object.fromEntries(names.map((name, i) => [name, params[i]!]));
      const out = this.withLearnables(bound, () => this.runForwardAll(xs));
      const mem = out.memory === undefined ? [] : Array.isArray(out.memory) ? out.memory : [out.memory];
      layout = {
        listed: out.listed,
        shapes: out.Zs.map((z) => z.shape),
        memoryIsList: Array.isArray(out.memory),
        memoryCount: out.memory === undefined ? -1 : mem.length,
      };
      save([...xs, ...out.Zs, ...params, ...mem]);
      const k = out.Zs.length;
      return {
        value: out.listed ? tf.concat(out.Zs.map((z) => tf.reshape(z, [-1]))) : out.Zs[0]!,
        gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
          const L = layout!;
          const sx = saved.slice(0, n);
          const sz = saved.slice(n, n + k);
          const sp = saved.slice(n + k, n + k + names.length);
          const sm = saved.slice(n + k + names.length);
          const memArg = L.memoryCount < 0 ? undefined : L.memoryIsList ? sm : sm[0];
          const dys = L.listed ? unpack(dy as Tensor, L.shapes) : [dy as Tensor];
          const b = Object.fromEntries(names.map((name, i) => [name, sp[i]!]));
          const r = this.withLearnables(b, () =>
            this.runBackwardAll(sx, { Zs: sz, memory: memArg, listed: L.listed }, dys),
          );
          return [...r.dLdXs, ...names.map((name) => r.dLdLearnables[name]!)];
        },
      };
    });
    // In a tidy: the packed tensor and the pieces before their reshape are freed (a training-time
    // call outside tf.tidy left 3 tensors behind per call with two outputs); automatic
    // differentiation keeps what it needs of them.
    return tf.tidy(() => {
      const packed = op(...Xs, ...values);
      const L = layout as { listed: boolean; shapes: Shape[] } | null;
      return L?.listed ? unpack(packed, L.shapes) : packed;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as (number | null)[][];
    if (shapes.some((s) => s.slice(1).some((d) => d == null))) return inputShape;
    const out = tf.tidy(() => {
      const r = this.predict(...shapes.map((s) => tf.zeros([1, ...(s.slice(1) as number[])])));
      return Array.isArray(r) ? r.map((z) => z.shape) : r.shape;
    });
    const batch = shapes[0]![0] as number;
    const withBatch = (s: number[]) => [batch, ...s.slice(1)];
    return Array.isArray(out[0]) ? (out as number[][]).map(withBatch) : withBatch(out as number[]);
  }

  override getClassName(): string {
    return (this.constructor as unknown as { className?: string }).className ?? 'CustomLayer';
  }
}

/** Outputs as a list, checked: a Tensor, or a non-empty list of Tensors. */
function outputsOf(r: unknown, memory: Tensor | Tensor[] | undefined, what: string): ForwardOutputs {
  if (r instanceof tf.Tensor) return { Zs: [r as Tensor], memory, listed: false };
  if (Array.isArray(r) && r.length > 0 && r.every((z) => z instanceof tf.Tensor))
    return { Zs: r as Tensor[], memory, listed: true };
  throw new ContractError(`${what} must return a Tensor or a non-empty list of Tensors (one per output)`);
}

/** What call returns for these outputs: the Tensor itself, or the list. */
function returned(out: ForwardOutputs): Tensor | Tensor[] {
  return out.listed ? out.Zs : out.Zs[0]!;
}

/** The derivatives with respect to the inputs as a list, checked against the number of inputs. */
function inputDerivatives(dLdX: unknown, inputs: number, cls: string, shape: string): Tensor[] {
  const list = dLdX instanceof tf.Tensor && inputs === 1 ? [dLdX] : dLdX;
  if (!Array.isArray(list) || !list.every((t) => t instanceof tf.Tensor)) {
    throw new ContractError(`${cls}.backward must return ${shape}`);
  }
  if (list.length !== inputs) {
    throw new ContractError(
      `${cls}.backward returned ${list.length} input derivative${list.length === 1 ? '' : 's'} in dLdX but the layer takes ${inputs} input${inputs === 1 ? '' : 's'}; return one per input, in order`,
    );
  }
  return list as Tensor[];
}

/** Cuts a flat tensor into pieces of the given shapes, in order. */
function unpack(flat: Tensor, shapes: Shape[]): Tensor[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  return tf.split(flat, sizes).map((piece, i) => tf.reshape(piece, shapes[i]!));
}

/**
 * A layer file may reach a second copy of this module (a CommonJS `require('check-layer')`, or
 * check-layer installed in the user's own node_modules): recognise CustomLayers by a brand, not
 * by class identity.
 */
const BRAND = Symbol.for('check-layer.CustomLayer');
const BASE_CALL = Symbol.for('check-layer.CustomLayer.call');
Object.defineProperty(CustomLayer.prototype, BRAND, { value: true });
// eslint-disable-next-line @typescript-eslint/unbound-method -- the method is marked as a value, not called
Object.defineProperty(CustomLayer.prototype.call, BASE_CALL, { value: true });

/** True for an instance of any copy of CustomLayer. */
export function isCustomLayer(x: unknown): x is CustomLayer {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
}

/** True when `fn` is CustomLayer's own `call` (of any copy), i.e. the subclass did not override it. */
export function isCustomLayerCall(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[BASE_CALL] === true;
}

/** The initializer seed lives on globalThis so that every copy of this module draws from it. */
const SEED_KEY = Symbol.for('check-layer.initializerSeed');
const seedHolder = globalThis as unknown as Record<symbol, number>;
seedHolder[SEED_KEY] ??= 1;

/** Makes the random initial values of the next `CustomLayer`s reproducible. */
export function seedInitializers(seed: number): void {
  seedHolder[SEED_KEY] = seed >>> 0 || 1;
}
function nextSeed(): number {
  seedHolder[SEED_KEY] = (Math.imul(seedHolder[SEED_KEY]!, 1664525) + 1013904223) >>> 0;
  return seedHolder[SEED_KEY];
}

function toInitializer(initial: InitialValue): Initializer {
  if (typeof initial === 'object' && 'apply' in initial) return initial;
  if (initial === 'zeros') return tf.initializers.zeros();
  if (initial === 'ones') return tf.initializers.ones();
  if (typeof initial === 'number') return tf.initializers.constant({ value: initial });
  if ('uniform' in initial)
    return tf.initializers.randomUniform({ minval: initial.uniform[0], maxval: initial.uniform[1], seed: nextSeed() });
  if ('normal' in initial)
    return tf.initializers.randomNormal({
      mean: initial.normal.mean ?? 0,
      stddev: initial.normal.stddev,
      seed: nextSeed(),
    });
  const { fanIn, fanOut } = initial.glorotUniform;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.initializers.randomUniform({ minval: -limit, maxval: limit, seed: nextSeed() });
}
