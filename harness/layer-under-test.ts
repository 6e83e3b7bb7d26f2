/**
 * One view over both layer forms, so every check is written once. Form A is a plain
 * `tf.layers.Layer`; Form B is a `CustomLayer` with `predict`, `forward` and maybe `backward`.
 */
import { isCustomLayer, seedInitializers, type CustomLayer } from './custom-layer.ts';
import { tf, type Tensor } from './tf.ts';
import type { LayerInfo } from './result.ts';
import { withSeededMathRandom } from './random.ts';
import { asText } from './as-text.ts';
import { inputLabel } from './io-labels.ts';
import { inputSizesOf, type InputSize } from './options.ts';

export type LayerForm = 'A' | 'B';

/** How the layer file gave its layer: an instance, or something that makes new ones. */
export type LayerSource =
  | { kind: 'instance'; value: tf.layers.Layer }
  | { kind: 'factory'; value: () => unknown }
  | { kind: 'class'; value: new () => unknown };

export interface Gradients {
  dLdX: Tensor;
  /** One derivative per learnable, by name. */
  dLdLearnables: Record<string, Tensor>;
}

/** Derivatives of a layer with any number of inputs: one per input, in order, and one per learnable. */
export interface GradientsAll {
  dLdXs: Tensor[];
  dLdLearnables: Record<string, Tensor>;
}

/** Training-time outputs, one per output, and Form B's memory. */
export interface ForwardAll {
  Zs: Tensor[];
  memory?: Tensor | Tensor[];
}

/** What a layer returned, as a list: one Tensor per output. */
export function outputsOf(out: unknown): Tensor[] {
  return Array.isArray(out) ? (out as Tensor[]) : [out as Tensor];
}

export function isLayer(x: unknown): x is tf.layers.Layer {
  return x instanceof tf.layers.Layer;
}

/**
 * The layer called as models call it. Every model path of TensorFlow.js 4.22 (`tf.sequential` and
 * `tf.model`: predict, fit, evaluate, apply, call) runs the graph through tfjs-layers'
 * `engine/executor.js` `execute()`, which calls `srcLayer.apply(inputValues, kwargs)` with
 * `inputValues` an array, one tensor per inbound input: `call` receives `[x]`, never a bare tensor
 * (`Container.call` goes through `execute` too; only `computeMask` takes the other path). The
 * checks and the training suite use this convention; `worksAsModelsCallIt` compares it with a
 * direct `layer.apply(x)`. Returns what `apply` returns (one output: the Tensor itself).
 */
export function applyAsModels(layer: tf.layers.Layer, X: Tensor, kwargs: Record<string, unknown>): unknown {
  return layer.apply([X], kwargs);
}

/** The layer called as models call it, with one tensor per input: `call` receives the list. */
export function applyAsModelsAll(layer: tf.layers.Layer, Xs: Tensor[], kwargs: Record<string, unknown>): unknown {
  return layer.apply(Xs, kwargs);
}

/** The layer called with a bare tensor, as a direct `layer.apply(x)` does (outside any model). */
export function applyBare(layer: tf.layers.Layer, X: Tensor, kwargs: Record<string, unknown>): unknown {
  return layer.apply(X, kwargs);
}

export class LayerUnderTest {
  readonly form: LayerForm;
  readonly layer: tf.layers.Layer;
  /** Size of one observation of each input, in order. */
  readonly inputSizes: number[][];
  /** Outputs the layer returns (counted from one prediction at creation; 1 when it threw). */
  numOutputs = 1;

  private constructor(
    layer: tf.layers.Layer,
    readonly source: LayerSource,
    inputSize: InputSize,
    readonly seed: number,
    readonly file: string,
    readonly exportName: string,
  ) {
    this.layer = layer;
    this.form = isCustomLayer(layer) ? 'B' : 'A';
    this.inputSizes = inputSizesOf(inputSize);
  }

  /**
   * Makes the layer from its source and builds it for `[null, ...size]` of each input, with random
   * initial values drawn from `seed`. Throws what the layer's constructor or build throws.
   */
  static create(
    source: LayerSource,
    inputSize: InputSize,
    seed: number,
    file = '<inline>',
    exportName = 'default',
  ): LayerUnderTest {
    const layer = makeLayer(source, seed);
    const lut = new LayerUnderTest(layer, source, inputSize, seed, file, exportName);
    lut.ensureBuilt();
    lut.numOutputs = lut.countOutputs();
    return lut;
  }

  /** Size of one observation of the first (for most layers the only) input. */
  get inputSize(): number[] {
    return this.inputSizes[0]!;
  }

  get numInputs(): number {
    return this.inputSizes.length;
  }

  /** True for a layer with several inputs or several outputs. */
  get isMultiIO(): boolean {
    return this.numInputs > 1 || this.numOutputs > 1;
  }

  /** Zeros for one observation of every input. */
  zeroInputs(batch = 1): Tensor[] {
    return this.inputSizes.map((s) => tf.zeros([batch, ...s]));
  }

  /**
   * Where the layer says how many inputs it takes and the sizes given disagree: a Form B layer's
   * `predict` declares one parameter per input (a rest parameter declares none and is not judged).
   * One size for a predict of several parameters is left to functionSyntaxesAreCorrect, which
   * names the extra parameters. Null when they agree or the layer does not say.
   */
  inputCountMismatch(): string | null {
    const custom = this.custom;
    const declared = custom ? custom.predict.length : 0;
    if (declared === 0 || this.numInputs === 1 || declared === this.numInputs) return null;
    const cls = safe(() => this.layer.getClassName(), 'the layer');
    return `${this.numInputs} input sizes were given but ${cls}.predict takes ${declared} input${declared === 1 ? '' : 's'}; give one size per input`;
  }

  private countOutputs(): number {
    try {
      return tf.tidy(() => this.predictAll(this.zeroInputs()).length);
    } catch {
      return 1;
    }
  }

  /** A fresh, unbuilt layer of the same kind (new instance from a factory or class; from getConfig otherwise). */
  fresh(seed = this.seed): tf.layers.Layer {
    if (this.source.kind !== 'instance') return makeLayer(this.source, seed);
    const cls = this.layer.constructor as unknown as { fromConfig: (c: unknown, cfg: unknown) => tf.layers.Layer };
    return withSeededMathRandom(seed, () => {
      seedInitializers(seed);
      return cls.fromConfig(cls, this.layer.getConfig());
    });
  }

  /** The layer as a CustomLayer, or null for Form A. */
  get custom(): CustomLayer | null {
    return isCustomLayer(this.layer) ? this.layer : null;
  }

  get hasBackward(): boolean {
    return typeof this.custom?.backward === 'function';
  }

  ensureBuilt(): void {
    if (this.layer.built) return;
    try {
      withSeededMathRandom(this.seed, () => {
        seedInitializers(this.seed);
        tf.tidy(() => {
          // apply() builds the layer (build receives the bare shape either way), then calls it as models do.
          applyAsModelsAll(this.layer, this.zeroInputs(), {});
        });
      });
    } catch (e) {
      // tfjs-layers marks the layer built before it calls it: a layer that built but whose call
      // threw is predictDoesNotError's to report, not a loading error.
      if (!this.layer.built) throw e;
    }
  }

  /** Learnable names: Form B as declared; Form A the trainable weights' original names. */
  learnableNames(): string[] {
    const custom = this.custom;
    if (custom) return custom.learnableNames();
    return this.layer.trainableWeights.map((w) => shortName(w.originalName ?? w.name));
  }

  /** The tf.Variable behind a learnable (to read it, or to perturb it and restore it). */
  learnableVariable(name: string): tf.Variable {
    const custom = this.custom;
    if (custom) return custom.learnableVariable(name).read() as tf.Variable;
    const i = this.learnableNames().indexOf(name);
    if (i < 0) throw new Error(`no learnable named "${name}"`);
    return this.layer.trainableWeights[i]!.read() as tf.Variable;
  }

  /** Prediction-time outputs, one per output, called as models call the layer (`[A, B, ...]`). */
  predictAll(Xs: Tensor[]): Tensor[] {
    return outputsOf(applyAsModelsAll(this.layer, Xs, { training: false }));
  }

  /** Training-time outputs, one per output (and Form B's memory). */
  forwardAll(Xs: Tensor[]): ForwardAll {
    const custom = this.custom;
    if (custom) return custom.withLearnables(custom.learnables, () => custom.runForwardAll(Xs));
    return { Zs: outputsOf(applyAsModelsAll(this.layer, Xs, { training: true })) };
  }

  /**
   * Derivatives of sum over outputs k of sum(Z_k * dLdZ_k), through the layer's own gradient path,
   * exactly as training sees it (Form B's backward through tf.customGrad, Form A's autodiff or customGrad).
   */
  gradientsAll(Xs: Tensor[], dLdZs: Tensor[]): GradientsAll {
    return this.gradientsOfAll(Xs, dLdZs, (xs) => outputsOf(applyAsModelsAll(this.layer, xs, { training: true })));
  }

  /** Form B: derivatives by automatic differentiation of `forward`, ignoring the hand-written backward. */
  autodiffGradientsAll(Xs: Tensor[], dLdZs: Tensor[]): GradientsAll {
    const custom = this.custom;
    if (!custom) return this.gradientsAll(Xs, dLdZs);
    const f = (xs: Tensor[]) => custom.withLearnables(custom.learnables, () => custom.runForwardAll(xs).Zs);
    return this.gradientsOfAll(Xs, dLdZs, f, true);
  }

  /** Form B with a backward: calls it directly with the forward's outputs and memory. */
  backwardAll(Xs: Tensor[], dLdZs: Tensor[]): GradientsAll {
    const custom = this.custom;
    if (!custom || !custom.backward) throw new Error('backward() needs a Form B layer with a backward method');
    return tf.tidy(() => {
      const out = custom.withLearnables(custom.learnables, () => custom.runForwardAll(Xs));
      return custom.withLearnables(custom.learnables, () => custom.runBackwardAll(Xs, out, dLdZs));
    });
  }

  /** Prediction-time output, called as models call the layer (`[X]`). */
  predict(X: Tensor): Tensor {
    return applyAsModels(this.layer, X, { training: false }) as Tensor;
  }

  /** Training-time output (and Form B's memory). */
  forward(X: Tensor): { Z: Tensor; memory?: Tensor | Tensor[] } {
    const custom = this.custom;
    if (custom) return custom.withLearnables(custom.learnables, () => custom.runForward(X));
    return { Z: applyAsModels(this.layer, X, { training: true }) as Tensor };
  }

  /**
   * Derivatives of sum(forward(X) * dLdZ) through the layer's own gradient path, exactly as
   * training sees them: Form B's backward through tf.customGrad, Form A's autodiff or customGrad.
   */
  gradients(X: Tensor, dLdZ: Tensor): Gradients {
    return this.gradientsOf(X, dLdZ, (x) => applyAsModels(this.layer, x, { training: true }) as Tensor);
  }

  /** Form B: derivatives by automatic differentiation of `forward`, ignoring the hand-written backward. */
  autodiffGradients(X: Tensor, dLdZ: Tensor): Gradients {
    const custom = this.custom;
    if (!custom) return this.gradients(X, dLdZ);
    return this.gradientsOf(
      X,
      dLdZ,
      (x) => custom.withLearnables(custom.learnables, () => custom.runForward(x).Z),
      true,
    );
  }

  /** Form B with a backward: calls it directly with the forward's output and memory. */
  backward(X: Tensor, dLdZ: Tensor): Gradients {
    const custom = this.custom;
    if (!custom || !custom.backward) throw new Error('backward() needs a Form B layer with a backward method');
    return tf.tidy(() => {
      const { Z, memory } = custom.withLearnables(custom.learnables, () => custom.runForward(X));
      return custom.withLearnables(custom.learnables, () => custom.runBackward(X, Z, dLdZ, memory));
    });
  }

  private gradientsOf(X: Tensor, dLdZ: Tensor, f: (x: Tensor) => Tensor, requireAll = false): Gradients {
    const r = this.gradientsOfAll([X], [dLdZ], (xs) => [f(xs[0]!)], requireAll);
    return { dLdX: r.dLdXs[0]!, dLdLearnables: r.dLdLearnables };
  }

  /**
   * With `requireAll`, a parameter that automatic differentiation does not reach (forward reads it
   * with dataSync, or does not use it) is an error naming it, instead of a silent zero.
   */
  private gradientsOfAll(
    Xs: Tensor[],
    dLdZs: Tensor[],
    f: (xs: Tensor[]) => Tensor[],
    requireAll = false,
  ): GradientsAll {
    const names = this.learnableNames();
    const vars = names.map((n) => this.learnableVariable(n));
    const xs = Xs.map((X) => tf.variable(X, true, `checkLayerInput${++inputCounter}`));
    try {
      const loss = () => {
        const Zs = f(xs);
        if (Zs.length !== dLdZs.length)
          throw new Error(
            `the layer returned ${Zs.length} outputs here, ${dLdZs.length} upstream gradients were given`,
          );
        const terms = Zs.map((Z, k) => tf.sum(tf.mul(Z, dLdZs[k]!)));
        return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
      };
      const { value, grads } = tf.variableGrads(loss, [...xs, ...vars]);
      value.dispose();
      if (requireAll) {
        const missing = [
          ...xs.flatMap((x, i) => (grads[x.name] ? [] : [xs.length === 1 ? 'the input' : inputLabel(i, xs.length)])),
          ...names.filter((_, i) => !grads[vars[i]!.name]),
        ];
        if (missing.length) {
          Object.values(grads).forEach((g) => g.dispose());
          throw new Error(
            `automatic differentiation of forward does not reach ${missing.join(', ')} (unused, or read with dataSync/arraySync)`,
          );
        }
      }
      const out: GradientsAll = { dLdXs: xs.map((x, i) => grads[x.name] ?? tf.zerosLike(Xs[i]!)), dLdLearnables: {} };
      names.forEach((n, i) => {
        out.dLdLearnables[n] = grads[vars[i]!.name] ?? tf.zerosLike(vars[i]!);
      });
      return out;
    } finally {
      xs.forEach((x) => x.dispose());
    }
  }

  describe(): LayerInfo {
    const l = this.layer as tf.layers.Layer & { type?: unknown; description?: unknown };
    let outputSizes: (number[] | null)[] = [null];
    try {
      outputSizes = tf.tidy(() => this.predictAll(this.zeroInputs()).map((Z) => Z.shape.slice(1)));
    } catch {
      outputSizes = [null];
    }
    const outputSize = outputSizes[0] ?? null;
    return {
      file: this.file,
      exportName: this.exportName,
      form: this.form,
      className: safe(() => l.getClassName(), l.constructor?.name ?? 'unknown'),
      name: l.name,
      type: typeof l.type === 'string' ? l.type : safe(() => l.getClassName(), ''),
      description: typeof l.description === 'string' ? l.description : '',
      inputSize: this.inputSize,
      outputSize,
      ...(this.isMultiIO ? { inputSizes: this.inputSizes, outputSizes } : {}),
      learnables: this.learnableNames().map((name) => ({ name, shape: this.learnableVariable(name).shape })),
      ...(this.custom ? { hasForward: typeof this.custom.forward === 'function' } : {}),
      hasBackward: this.hasBackward,
    };
  }
}

let inputCounter = 0;

function shortName(n: string): string {
  const parts = n.split('/');
  return parts[parts.length - 1]!;
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

function makeLayer(source: LayerSource, seed: number): tf.layers.Layer {
  return withSeededMathRandom(seed, () => {
    seedInitializers(seed);
    const made =
      source.kind === 'instance' ? source.value : source.kind === 'factory' ? source.value() : new source.value();
    if (!isLayer(made)) throw new NotALayerError(describeValue(made));
    return made;
  });
}

export class NotALayerError extends Error {
  override name = 'NotALayerError';
  constructor(readonly what: string) {
    super(`gave ${what}, not a tf.layers.Layer or CustomLayer`);
  }
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return `a function${v.name ? ` (${v.name})` : ''}`;
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  return `a ${typeof v} (${asText(v).slice(0, 40)})`;
}
