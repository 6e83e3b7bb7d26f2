/**
 * worksAsModelsCallIt for a layer with several inputs. There is no second convention to compare
 * here: with several inputs TensorFlow.js has only one, `layer.apply([x1, x2])`, in a model and
 * in a direct call alike (a bare tensor cannot carry two inputs). The honest analogue of "a model
 * computes what a direct call computes" is to put the layer in a real `tf.model` with one
 * `tf.input` per input and the layer's outputs as the model's outputs, and compare
 * `model.predict([x1, x2])` with a direct `layer.apply([x1, x2])`, output by output: the model
 * wires the layer from its symbolic call (computeOutputShape on the list of input shapes) and runs
 * it through tfjs-layers' executor, as every model does. Tolerance: compare-outputs.ts.
 * - the direct call throws (prediction time): not this check's to judge (skipped; predictDoesNotError
 *   reports it); at training time, forwardDoesNotError reports it;
 * - computeOutputShape declares another number of outputs than the layer returns, or throws: the
 *   model cannot be wired as the layer runs; not judged here (outputShapeMatchesComputeOutputShape
 *   reports it);
 * - the model cannot be made or run where the direct call runs: failed, with the error;
 * - the model's outputs differ from the direct call's: failed (what a model computes is not what a
 *   direct call computes), unless the layer's outputs vary from call to call (predictIsDeterministic).
 * The model is not disposed: that would dispose the layer's own weights.
 */
import { outputLabel } from '../../harness/io-labels.ts';
import type { CheckContext, CheckOutcome } from '../../harness/check.ts';
import type { CallConventionsEvidence, ConventionCall } from '../../harness/evidence/index.ts';
import { applyAsModelsAll } from '../../harness/layer-under-test.ts';
import { deriveSeed, withSeededMathRandom } from '../../harness/random.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { compareOutputs, comparisonEvidence, num, toleranceText, type Comparison } from './compare-outputs.ts';
import { errorText, shapeText } from './describe-value.ts';
import { atOutput, inputsShort, outputPosition, outputsCount, outputWhere } from './io-text.ts';
import { recorded, type Called } from './recorded-call.ts';
import { randomInputs } from './random-input.ts';

export async function judgeInAModel(ctx: CheckContext): Promise<CheckOutcome> {
  const { subject } = ctx;
  const Xs = randomInputs(ctx);
  const made: Tensor[] = [...Xs];
  const inputs = inputsShort(Xs.map((X) => X.shape));
  const nIn = Xs.length;
  const xs = nIn <= 3 ? Array.from({ length: nIn }, (_, i) => `x${i + 1}`).join(', ') : `x1, ..., x${nIn}`;
  const direct = `a direct layer.apply([${xs}])`;
  const inModel = `a tf.model with ${nIn} tf.inputs and the layer's outputs`;
  const record = (call: ConventionCall, run: () => unknown): Called => {
    try {
      // The same Math.random seed for both: a layer drawing from it gives the same output.
      const out = withSeededMathRandom(deriveSeed(ctx.seed, `worksAsModelsCallIt/${String(call.training)}`), run);
      return recorded(call, out, subject.numOutputs, made);
    } catch (e) {
      call.error = errorText(e);
      return { record: call, threw: call.error };
    }
  };
  const apply = (training: boolean) =>
    record({ convention: 'Xs', training }, () => applyAsModelsAll(subject.layer, Xs, { training }));
  try {
    const prediction = apply(false);
    const training = apply(true);
    const evidence: CallConventionsEvidence = {
      kind: 'callConventions',
      inputShape: Xs[0]!.shape,
      inputShapes: Xs.map((X) => X.shape),
      calls: [prediction.record, training.record],
    };
    if (prediction.threw !== undefined || !prediction.outputs)
      return {
        status: 'skipped',
        message: `not judged: ${direct} ${prediction.threw !== undefined ? `throws (${prediction.threw})` : `returns ${prediction.record.returned}`}; predictDoesNotError reports it`,
        evidence,
      };
    const wiring = modelWiring(subject.layer, ctx.inputSizes, subject.numOutputs);
    if (wiring)
      return {
        status: 'skipped',
        message: `not judged in a tf.model: ${wiring}, so a model cannot wire the layer as it runs; outputShapeMatchesComputeOutputShape reports it`,
        evidence,
      };
    let model: tf.LayersModel;
    try {
      model = modelAround(subject.layer, ctx.inputSizes);
    } catch (e) {
      return {
        status: 'failed',
        message: `the layer breaks in a model: making ${inModel} threw: ${errorText(e)}; ${direct} runs`,
        evidence,
      };
    }
    const predictInModel = () => record({ convention: 'tf.model', training: false }, () => model.predict(Xs));
    const modelled = predictInModel();
    evidence.calls.push(modelled.record);
    if (!modelled.outputs)
      return {
        status: 'failed',
        message: `the layer breaks in a model: model.predict of ${inModel} ${modelled.threw !== undefined ? `threw: ${modelled.threw}` : `returned ${modelled.record.returned}`}, for ${inputs}; ${direct} runs`,
        evidence,
      };
    const n = modelled.outputs.length;
    const [a, b] = [modelled.outputs, prediction.outputs];
    const differs = await firstDifference(a, b);
    if (differs) {
      // Before blaming the model: does a direct call give the same outputs twice?
      const again = apply(false);
      if (!again.outputs || (await firstDifference(b, again.outputs)))
        return {
          status: 'passed',
          message: `the layer runs in ${inModel} and directly at prediction time, for ${inputs}; its outputs vary from call to call, so they are not compared here (predictIsDeterministic judges that)`,
          evidence,
        };
      const { k, c } = differs;
      if (!c)
        return {
          status: 'failed',
          message: `the layer computes something else in a model: model.predict returned shape ${shapeText(a[k]!.shape)}${atOutput(k, n)}, ${direct} ${shapeText(b[k]!.shape)}, for the same ${inputs}`,
          where: outputWhere(k, n),
          evidence,
        };
      Object.assign(evidence, comparisonEvidence(c), n > 1 ? { output: outputLabel(k, n) } : {});
      return {
        status: 'failed',
        message: `the layer computes something else in a model: model.predict gave ${num(c.a)}, ${direct} ${num(c.b)} at ${outputPosition(k, n, c.position)}; ${c.differing} of ${a[k]!.size} elements differ, max |diff| ${num(c.maxAbsDiff)} (${toleranceText(c)})`,
        where: outputWhere(k, n, { index: c.index, position: c.position }),
        evidence,
      };
    }
    const { k, c } = await largestDifference(a, b);
    Object.assign(evidence, comparisonEvidence(c), n > 1 ? { output: outputLabel(k, n) } : {});
    return {
      status: 'passed',
      message: `in ${inModel} (model.predict) and directly (layer.apply([${xs}])), the layer gives the same ${n === 1 ? 'output' : `${n} outputs`} for ${inputs} (max |diff| ${num(c.maxAbsDiff)}${atOutput(k, n)})${training.threw !== undefined ? `; at training time it throws (${training.threw}), which forwardDoesNotError reports` : ''}`,
      evidence,
    };
  } finally {
    tf.dispose(made);
  }
}

/**
 * Why a tf.model cannot wire the layer as it runs (computeOutputShape on the inputs' shapes throws
 * or declares another number of outputs), or null.
 */
function modelWiring(layer: tf.layers.Layer, inputSizes: number[][], numOutputs: number): string | null {
  let s: unknown;
  try {
    s = layer.computeOutputShape(inputSizes.map((size) => [null, ...size]));
  } catch (e) {
    return `computeOutputShape throws for the inputs' shapes (${errorText(e)})`;
  }
  const declared = Array.isArray(s) && s.length > 0 && s.every((x) => Array.isArray(x)) ? s.length : 1;
  return declared === numOutputs
    ? null
    : `the layer returns ${outputsCount(numOutputs)} and computeOutputShape declares ${declared}`;
}

/** A functional model: one tf.input per input size, the layer applied to them, its outputs the model's. */
function modelAround(layer: tf.layers.Layer, inputSizes: number[][]): tf.LayersModel {
  const inputs = inputSizes.map((size) => tf.input({ shape: size }));
  const outputs = layer.apply(inputs) as tf.SymbolicTensor | tf.SymbolicTensor[];
  return tf.model({ inputs, outputs });
}

/** The first output whose shape differs (c absent) or whose values differ beyond the tolerance; null when all agree. */
async function firstDifference(a: Tensor[], b: Tensor[]): Promise<{ k: number; c?: Comparison } | null> {
  if (a.length !== b.length) return { k: Math.min(a.length, b.length) };
  for (let k = 0; k < a.length; k++) {
    if (a[k]!.shape.join() !== b[k]!.shape.join()) return { k };
    const c = await compareOutputs(a[k]!, b[k]!);
    if (!c.same) return { k, c };
  }
  return null;
}

/** The comparison of the output whose largest difference is largest (all within the tolerance). */
async function largestDifference(a: Tensor[], b: Tensor[]): Promise<{ k: number; c: Comparison }> {
  let worst: { k: number; c: Comparison } | null = null;
  for (let k = 0; k < a.length; k++) {
    const c = await compareOutputs(a[k]!, b[k]!);
    if (!worst || c.maxAbsDiff > worst.c.maxAbsDiff) worst = { k, c };
  }
  return worst!;
}
