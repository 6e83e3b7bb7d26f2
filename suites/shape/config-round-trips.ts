/**
 * configRoundTrips: the layer can be saved and loaded, as model.save / tf.loadLayersModel do it:
 * its class is registered under its own className in TensorFlow.js's serialization registry
 * (tf.serialization.SerializationMap), getConfig() survives JSON, the registry's fromConfig
 * rebuilds an instance of the same class, that instance takes the original's weights
 * (getWeights / setWeights) and then predicts the same outputs.
 * Tolerance for the outputs: see compare-outputs.ts (1e-5 * max|Z| + 1e-6).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { ConfigRoundTripEvidence } from '../../harness/evidence/index.ts';
import { deriveSeed, withSeededMathRandom } from '../../harness/random.ts';
import { applyAsModels } from '../../harness/layer-under-test.ts';
import { tf } from '../../harness/tf.ts';
import { compareOutputs, comparisonEvidence, num, toleranceText } from './compare-outputs.ts';
import { errorText, shapeText } from './describe-value.ts';
import { randomInput } from './random-input.ts';

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
    const register = `add \`static className = '${cls}'\` to ${cls} and call \`tf.serialization.registerClass(${cls})\` after the class`;
    const ownName = Object.prototype.hasOwnProperty.call(ctor, 'className');
    const evidence: ConfigRoundTripEvidence = { kind: 'configRoundTrip', className, ownClassName: ownName };
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className] as [Ctor, FromConfig] | undefined;
    if (!entry || entry[0] !== ctor) {
      const why = !ownName
        ? `${cls} has no static className of its own (it inherits '${className}')`
        : !entry
          ? `${cls} (className '${className}') is not registered with tf.serialization.registerClass`
          : `the class registered as '${className}' is ${entry[0].name}, not ${cls}`;
      return { status: 'failed', message: `${why}, so a saved model cannot load it: ${register}`, evidence };
    }

    let config: tf.serialization.ConfigDict;
    try {
      config = JSON.parse(JSON.stringify(layer.getConfig())) as tf.serialization.ConfigDict;
    } catch (e) {
      return {
        status: 'failed',
        message: `${cls}.getConfig() could not be saved as JSON: ${errorText(e)}; return plain numbers, strings, arrays and objects`,
        evidence,
      };
    }
    evidence.config = config;

    let restored: tf.layers.Layer;
    try {
      const made = entry[1](entry[0], config);
      if (!(made instanceof ctor))
        return {
          status: 'failed',
          message: `fromConfig for '${className}' returned ${(made as object)?.constructor?.name ?? String(made)}, not a ${cls}`,
          evidence,
        };
      restored = made as tf.layers.Layer;
    } catch (e) {
      return {
        status: 'failed',
        message: `${cls}.fromConfig(getConfig()) threw: ${errorText(e)}; the constructor must accept what getConfig returns`,
        evidence,
      };
    }

    const X = randomInput(ctx);
    try {
      try {
        withSeededMathRandom(deriveSeed(ctx.seed, 'configRoundTrips/build'), () =>
          tf.tidy(() => void applyAsModels(restored, tf.zeros([1, ...ctx.inputSize]), {})),
        );
      } catch (e) {
        if (!restored.built)
          return {
            status: 'failed',
            message: `the layer rebuilt from getConfig() could not be built for input ${shapeText([1, ...ctx.inputSize])}: ${errorText(e)}`,
            evidence,
          };
      }
      const original = layer.weights.map((w) => ({ name: w.originalName ?? w.name, shape: w.shape }));
      const copy = restored.weights.map((w) => ({ name: w.originalName ?? w.name, shape: w.shape }));
      evidence.weights = original;
      const mismatch = original.findIndex((w, i) => !copy[i] || w.shape.join() !== copy[i].shape.join());
      if (original.length !== copy.length || mismatch >= 0) {
        const at = mismatch >= 0 ? mismatch : Math.min(original.length, copy.length);
        const said = (w: { shape: (number | null)[] } | undefined) => (w ? shapeText(w.shape) : 'nothing');
        return {
          status: 'failed',
          message: `the layer rebuilt from getConfig() has ${copy.length} weights, the original ${original.length}; weight ${at}: ${said(copy[at])} against ${said(original[at])} (does getConfig miss a constructor argument?)`,
          evidence,
        };
      }
      restored.setWeights(layer.getWeights());
      const a = tf.tidy(() => tf.cast(applyAsModels(layer, X, { training: false }) as tf.Tensor, 'float32'));
      const b = tf.tidy(() => tf.cast(applyAsModels(restored, X, { training: false }) as tf.Tensor, 'float32'));
      try {
        if (a.shape.join() !== b.shape.join()) {
          return {
            status: 'failed',
            message: `the layer rebuilt from getConfig() predicts shape ${shapeText(b.shape)}, the original ${shapeText(a.shape)} (does getConfig miss a constructor argument?)`,
            evidence,
          };
        }
        const c = await compareOutputs(a, b);
        Object.assign(evidence, comparisonEvidence(c));
        if (!c.same) {
          const missing = Object.keys(config).every((k) => BASE_CONFIG_KEYS.includes(k))
            ? ` (getConfig returns only tf.layers.Layer's fields [${Object.keys(config).join(', ')}]: override it)`
            : '';
          return {
            status: 'failed',
            message: `the layer rebuilt from getConfig() with the same weights predicts ${num(c.b)} at output ${shapeText(c.position)}, the original ${num(c.a)}; max |diff| ${num(c.maxAbsDiff)} (${toleranceText(c)}): getConfig misses a setting${missing}`,
            where: { parameter: 'output', index: c.index, position: c.position },
            evidence,
          };
        }
        return {
          status: 'passed',
          message: `'${className}' round-trips through getConfig, JSON and the registry's fromConfig; with the same weights it predicts the same (max |diff| ${num(c.maxAbsDiff)}, ${toleranceText(c)})`,
          evidence,
        };
      } finally {
        tf.dispose([a, b]);
      }
    } finally {
      X.dispose();
      disposeLayer(restored);
    }
  },
};

/** Frees the rebuilt layer's variables (its weights share data with the original's; the original keeps its own). */
function disposeLayer(l: tf.layers.Layer): void {
  try {
    if (l.built) l.dispose();
  } catch {
    // a layer that was never applied cannot be disposed; nothing to free
  }
}
