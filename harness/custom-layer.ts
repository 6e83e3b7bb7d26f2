/**
 * `CustomLayer`: a layer with its own backward (Form B), the TypeScript twin of MATLAB's
 * `nnet.layer.Layer` template. A subclass declares learnables by name in `build`, writes
 * `predict(X)`, optionally `forward(X)` (training time, may return a memory value) and optionally
 * `backward(X, Z, dLdZ, memory)`. The class is a `tf.layers.Layer` whose `call` goes through
 * `tf.customGrad`, so a Form B layer drops into `tf.sequential` and `model.fit` unchanged; without
 * `backward`, automatic differentiation of `forward` gives the gradients.
 */
import { tf, type Shape, type Tensor } from './tf.ts';

/** What `forward` may return: the output alone, or the output and a memory value for `backward`. */
export type ForwardResult = Tensor | { Z: Tensor; memory?: Tensor | Tensor[] };

/** What `backward` returns: the derivative with respect to the input and one per learnable, by name. */
export interface BackwardResult {
  dLdX: Tensor;
  dLdLearnables?: Record<string, Tensor>;
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

  /** Prediction-time output. */
  abstract predict(X: Tensor): Tensor;

  /** Training-time output, optionally with a memory value passed on to `backward`. Default: `predict`. */
  forward?(X: Tensor): ForwardResult;

  /** Hand-written derivatives. Without it, automatic differentiation of `forward` is used. */
  backward?(X: Tensor, Z: Tensor, dLdZ: Tensor, memory: Tensor | Tensor[] | undefined): BackwardResult;

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

  /** Training-time output and memory, normalised. */
  runForward(X: Tensor): { Z: Tensor; memory?: Tensor | Tensor[] } {
    if (!this.forward) return { Z: this.predict(X) };
    const r = this.forward(X);
    if (r instanceof tf.Tensor) return { Z: r };
    if (!r || !(r.Z instanceof tf.Tensor)) {
      throw new ContractError(`${this.getClassName()}.forward must return a Tensor or { Z: Tensor, memory? }`);
    }
    return r;
  }

  /**
   * Calls the hand-written `backward` and checks what it returns against the contract: one
   * derivative for the input and one per learnable, named as the learnables, each a Tensor.
   */
  runBackward(
    X: Tensor,
    Z: Tensor,
    dLdZ: Tensor,
    memory: Tensor | Tensor[] | undefined,
  ): { dLdX: Tensor; dLdLearnables: Record<string, Tensor> } {
    if (!this.backward) throw new ContractError(`${this.getClassName()} has no backward`);
    const r = this.backward(X, Z, dLdZ, memory);
    const cls = this.getClassName();
    if (!r || typeof r !== 'object' || !(r.dLdX instanceof tf.Tensor)) {
      throw new ContractError(`${cls}.backward must return { dLdX: Tensor, dLdLearnables: { name: Tensor } }`);
    }
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
    return { dLdX: r.dLdX, dLdLearnables: given };
  }

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
    const X = Array.isArray(inputs) ? inputs[0]! : inputs;
    const training = kwargs?.['training'] === true;
    const names = this.learnableNames();
    const values = names.map((n) => this.learnableVars.get(n)!.read());
    const current = Object.fromEntries(names.map((n, i) => [n, values[i]!]));
    if (!training) return this.withLearnables(current, () => this.predict(X));
    // No backward: automatic differentiation of forward, straight through the variables.
    if (!this.backward) return this.withLearnables(current, () => this.runForward(X).Z);
    const op = tf.customGrad((...args: unknown[]) => {
      const x = args[0] as Tensor;
      const params = args.slice(1, 1 + names.length) as Tensor[];
      const save = args[1 + names.length] as (ts: Tensor[]) => void;
      const bound = Object.fromEntries(names.map((n, i) => [n, params[i]!]));
      const { Z, memory } = this.withLearnables(bound, () => this.runForward(x));
      const mem = memory === undefined ? [] : Array.isArray(memory) ? memory : [memory];
      save([x, Z, ...params, ...mem]);
      return {
        value: Z,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [sx, sz, ...rest] = saved;
          const sp = rest.slice(0, names.length);
          const sm = rest.slice(names.length);
          const memArg = memory === undefined ? undefined : Array.isArray(memory) ? sm : sm[0];
          const b = Object.fromEntries(names.map((n, i) => [n, sp[i]!]));
          const r = this.withLearnables(b, () => this.runBackward(sx!, sz!, dy, memArg));
          return [r.dLdX, ...names.map((n) => r.dLdLearnables[n]!)];
        },
      };
    });
    return op(X, ...values);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    if (s.slice(1).some((d) => d == null)) return s as Shape;
    const out = tf.tidy(() => this.predict(tf.zeros([1, ...(s.slice(1) as number[])])).shape);
    return [s[0] as number, ...out.slice(1)];
  }

  override getClassName(): string {
    return (this.constructor as unknown as { className?: string }).className ?? 'CustomLayer';
  }
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
