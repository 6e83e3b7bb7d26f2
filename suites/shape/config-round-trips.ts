/**
 * configRoundTrips: the layer can be saved and loaded, as model.save / tf.loadLayersModel do it:
 * its class is registered under its own className in TensorFlow.js's serialization registry
 * (tf.serialization.SerializationMap), getConfig() survives JSON, the registry's fromConfig
 * rebuilds an instance of the same class, that instance takes the original's weights
 * (getWeights / setWeights) and then predicts the same outputs.
 * Tolerance for the outputs: see compare-outputs.ts (1e-5 * max|Z| + 1e-6).
 */
import path from 'node:path';
import { catalogEntry } from '../../harness/catalog.ts';
import { definedIn } from '../../harness/defined-in.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { ConfigRoundTripEvidence } from '../../harness/evidence/index.ts';
import { deriveSeed, withSeededMathRandom } from '../../harness/random.ts';
import { applyAsModelsAll, outputsOf } from '../../harness/layer-under-test.ts';
import { outputLabel } from '../../harness/io-labels.ts';
import { tf } from '../../harness/tf.ts';
import { asText } from '../../harness/as-text.ts';
import { compareOutputs, comparisonEvidence, num, toleranceText, type Comparison } from './compare-outputs.ts';
import { errorText, shapeText } from './describe-value.ts';
import { atOutput, inputsShort, outputPosition, outputsCount, outputWhere } from './io-text.ts';
import { randomInputs } from './random-input.ts';

type Ctor = (new (...args: never[]) => unknown) & { className?: string; name: string };
/** What tf.layers.Layer's own getConfig returns; a subclass with settings must add them. */
const BASE_CONFIG_KEYS = ['name', 'trainable', 'batchInputShape', 'dtype'];

type FromConfig = (cls: unknown, config: tf.serialization.ConfigDict) => unknown;

export const configRoundTrips: Check = {
  ...catalogEntry('configRoundTrips'),
  async run(ctx): Promise<CheckOutcome> {
    const layer = ctx.subject.layer;
    const ctor = layer.constructor as Ctor;
    const cls = ctor.name || 'the layer class';
    const className = layer.getClassName();
    const ownName = Object.prototype.hasOwnProperty.call(ctor, 'className');
    const evidence: ConfigRoundTripEvidence = { kind: 'configRoundTrip', className, ownClassName: ownName };
    const failed = (message: string): CheckOutcome => ({ status: 'failed', message, evidence });
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className] as [Ctor, FromConfig] | undefined;
    if (entry && entry[0] !== ctor && ownName) return failed(await twoClassesMessage(className, entry[0], ctor));
    if (!entry || entry[0] !== ctor) return failed(registrationProblem(cls, className, ownName));

    const config = savedConfig(layer, cls);
    if (typeof config === 'string') return failed(config);
    evidence.config = config;
    const restored = rebuilt(entry, config, ctor, cls, className);
    if (typeof restored === 'string') return failed(restored);

    const Xs = randomInputs(ctx);
    try {
      const unbuilt = buildLike(restored, ctx.inputSizes, ctx.seed);
      if (unbuilt) return failed(unbuilt);
      evidence.weights = layer.weights.map((w) => ({ name: w.originalName ?? w.name, shape: w.shape }));
      const mismatch = weightMismatch(layer, restored);
      if (mismatch) return failed(mismatch);
      restored.setWeights(layer.getWeights());
      return await comparePredictions(layer, restored, Xs, config, className, evidence);
    } finally {
      tf.dispose(Xs);
      disposeLayer(restored);
    }
  },
};

/** The class is not found under its own className in the registry. */
function registrationProblem(cls: string, className: string, ownName: boolean): string {
  const register = `add \`static className = '${cls}'\` to ${cls} and call \`tf.serialization.registerClass(${cls})\` after the class`;
  const why = !ownName
    ? `${cls} has no static className of its own (it inherits '${className}')`
    : `${cls} (className '${className}') is not registered with tf.serialization.registerClass`;
  return `${why}, so a saved model cannot load it: ${register}`;
}

/** getConfig() through JSON, as model.save writes it; or why it cannot be. */
function savedConfig(layer: tf.layers.Layer, cls: string): tf.serialization.ConfigDict | string {
  try {
    return JSON.parse(JSON.stringify(layer.getConfig())) as tf.serialization.ConfigDict;
  } catch (e) {
    return `${cls}.getConfig() could not be saved as JSON: ${errorText(e)}; return plain numbers, strings, arrays and objects`;
  }
}

/** The registry's fromConfig on the saved config: a new instance of the same class, or why not. */
function rebuilt(
  entry: [Ctor, FromConfig],
  config: tf.serialization.ConfigDict,
  ctor: Ctor,
  cls: string,
  className: string,
): tf.layers.Layer | string {
  try {
    const made = entry[1](entry[0], config);
    if (!(made instanceof ctor))
      return `fromConfig for '${className}' returned ${(made as object)?.constructor?.name ?? asText(made)}, not a ${cls}`;
    return made as tf.layers.Layer;
  } catch (e) {
    return `${cls}.fromConfig(getConfig()) threw: ${errorText(e)}; the constructor must accept what getConfig returns`;
  }
}

/** Builds the rebuilt layer for the same input size (seeded, as the original was); why it cannot be, or null. */
function buildLike(restored: tf.layers.Layer, inputSizes: number[][], seed: number): string | null {
  try {
    withSeededMathRandom(deriveSeed(seed, 'configRoundTrips/build'), () =>
      tf.tidy(
        () =>
          void applyAsModelsAll(
            restored,
            inputSizes.map((size) => tf.zeros([1, ...size])),
            {},
          ),
      ),
    );
  } catch (e) {
    if (!restored.built)
      return `the layer rebuilt from getConfig() could not be built for ${inputsShort(inputSizes.map((size) => [1, ...size]))}: ${errorText(e)}`;
  }
  return null;
}

/** The first weight whose count or shape differs between the original and the rebuilt layer, or null. */
function weightMismatch(layer: tf.layers.Layer, restored: tf.layers.Layer): string | null {
  const original = layer.weights.map((w) => ({ shape: w.shape }));
  const copy = restored.weights.map((w) => ({ shape: w.shape }));
  const mismatch = original.findIndex((w, i) => !copy[i] || w.shape.join() !== copy[i].shape.join());
  if (original.length === copy.length && mismatch < 0) return null;
  const at = mismatch >= 0 ? mismatch : Math.min(original.length, copy.length);
  const said = (w: { shape: (number | null)[] } | undefined) => (w ? shapeText(w.shape) : 'nothing');
  return `the layer rebuilt from getConfig() has ${copy.length} weights, the original ${original.length}; weight ${at}: ${said(copy[at])} against ${said(original[at])} (does getConfig miss a constructor argument?)`;
}

/** With the same weights, the rebuilt layer predicts what the original does, at every output. */
async function comparePredictions(
  layer: tf.layers.Layer,
  restored: tf.layers.Layer,
  Xs: tf.Tensor[],
  config: tf.serialization.ConfigDict,
  className: string,
  evidence: ConfigRoundTripEvidence,
): Promise<CheckOutcome> {
  const predictAll = (l: tf.layers.Layer) =>
    tf.tidy(() => {
      return outputsOf(applyAsModelsAll(l, Xs, { training: false })).map((Z) => tf.cast(Z, 'float32'));
    });
  const a = predictAll(layer);
  const b = predictAll(restored);
  const n = a.length;
  try {
    if (a.length !== b.length)
      return {
        status: 'failed',
        message: `the layer rebuilt from getConfig() predicts ${outputsCount(b.length)}, the original ${outputsCount(a.length)} (does getConfig miss a constructor argument?)`,
        evidence,
      };
    const k = a.findIndex((z, i) => z.shape.join() !== b[i]!.shape.join());
    if (k >= 0) {
      return {
        status: 'failed',
        message: `the layer rebuilt from getConfig() predicts shape ${shapeText(b[k]!.shape)}${atOutput(k, n)}, the original ${shapeText(a[k]!.shape)} (does getConfig miss a constructor argument?)`,
        ...(n > 1 ? { where: outputWhere(k, n) } : {}),
        evidence,
      };
    }
    let worst: { k: number; c: Comparison } | null = null;
    for (let i = 0; i < n && (!worst || worst.c.same); i++) {
      const c = await compareOutputs(a[i]!, b[i]!);
      if (!worst || !c.same || c.maxAbsDiff > worst.c.maxAbsDiff) worst = { k: i, c };
    }
    const { k: w, c } = worst!;
    Object.assign(evidence, comparisonEvidence(c), n > 1 ? { output: outputLabel(w, n) } : {});
    if (!c.same) {
      const missing = Object.keys(config).every((key) => BASE_CONFIG_KEYS.includes(key))
        ? ` (getConfig returns only tf.layers.Layer's fields [${Object.keys(config).join(', ')}]: override it)`
        : '';
      return {
        status: 'failed',
        message: `the layer rebuilt from getConfig() with the same weights predicts ${num(c.b)} at ${outputPosition(w, n, c.position)}, the original ${num(c.a)}; max |diff| ${num(c.maxAbsDiff)} (${toleranceText(c)}): getConfig misses a setting${missing}`,
        where: outputWhere(w, n, { index: c.index, position: c.position }),
        evidence,
      };
    }
    return {
      status: 'passed',
      message: `'${className}' round-trips through getConfig, JSON and the registry's fromConfig; with the same weights it predicts the same${n > 1 ? ` at all ${n} outputs` : ''} (max |diff| ${num(c.maxAbsDiff)}${atOutput(w, n)}, ${toleranceText(c)})`,
      evidence,
    };
  } finally {
    tf.dispose([...a, ...b]);
  }
}

/**
 * Two classes under one className (the registry keeps the one registered last): names both, and
 * the file each is defined in, so the user can tell which two files clash.
 */
async function twoClassesMessage(className: string, registered: Ctor, layerClass: Ctor): Promise<string> {
  const [theirs = null, ours = null] = (await definedIn([registered, layerClass])).map((f) =>
    f ? shownPath(f) : null,
  );
  // registerClass also records the class under 'Custom>name' (or the package given); unregistered, the plain className comes back.
  const oursRegistered =
    tf.serialization.getRegisteredName(
      layerClass as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
    ) !== className;
  const named = (c: Ctor, file: string | null) =>
    `${c.name || 'an anonymous class'} ${file ? `from ${file}` : '(file unknown)'}`;
  const sameName = registered.name === layerClass.name ? ' of the same name' : '';
  const clash = oursRegistered
    ? `two classes are registered under the className '${className}': the layer is ${named(layerClass, ours)}, but another class${sameName}, ${named(registered, theirs)}, was registered under it later (the last one wins)`
    : `the layer is ${named(layerClass, ours)} with className '${className}', which is not registered, and the registry holds another class${sameName} under that name, ${named(registered, theirs)}`;
  return `${clash}, so a saved model would be loaded as that one: give each class its own static className and register it`;
}

/** A file as the user would type it: relative to the working folder when inside it. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Frees the rebuilt layer's variables (its weights share data with the original's; the original keeps its own). */
function disposeLayer(l: tf.layers.Layer): void {
  try {
    if (l.built) l.dispose();
  } catch {
    // a layer that was never applied cannot be disposed; nothing to free
  }
}
