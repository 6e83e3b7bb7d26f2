/**
 * worksAsModelsCallIt: the layer runs the way TensorFlow.js's models call it, and a direct call
 * agrees. Every model path of TensorFlow.js 4.22 (`tf.sequential` and `tf.model`: predict, fit,
 * evaluate, apply) hands `call` an array `[x]` (see `applyAsModels`); a bare tensor reaches `call`
 * only through a direct `layer.apply(x)`. Every other check and the training suite call the layer
 * as models do, so this check is the one place where the two conventions meet (four calls on one
 * small batch; the rest of the run pays nothing for it):
 * - `[x]` throws (prediction or training time) where a bare tensor runs: the layer breaks in every
 *   model (`inputs.square()`, `inputs.toFloat()`, `inputs.shape` on the array): failed, naming the
 *   convention and the fix; the checks that call the layer are then incomplete, pointing here;
 * - a bare tensor throws where `[x]` runs (`inputs[0]`): the layer works in models: passed, with
 *   a warning that a direct `layer.apply(x)` throws;
 * - both run at prediction time but give different outputs: failed (what a model computes is not
 *   what a direct call computes). Tolerance: compare-outputs.ts (1e-5 * max|Z| + 1e-6);
 * - both throw: not this check's to judge (skipped): predictDoesNotError reports the error.
 * A layer with several outputs is compared output by output. A layer with several inputs has no
 * bare-tensor call to compare with: see works-in-a-model.ts for what is compared instead.
 */
import { outputLabel } from '../../harness/io-labels.ts';
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckContext, CheckOutcome } from '../../harness/check.ts';
import type { CallConventionsEvidence, ConventionCall } from '../../harness/evidence/index.ts';
import { applyAsModels, applyBare } from '../../harness/layer-under-test.ts';
import { withWeightsRestored } from '../../harness/numerics/preserve-weights.ts';
import { deriveSeed, withSeededMathRandom } from '../../harness/random.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { compareOutputs, comparisonEvidence, num, toleranceText, type Comparison } from './compare-outputs.ts';
import { describeReturned, errorText, shapeText } from './describe-value.ts';
import { atOutput, outputPosition, outputWhere, shapesList } from './io-text.ts';
import { recorded, type Called } from './recorded-call.ts';
import { randomInput } from './random-input.ts';
import { judgeInAModel } from './works-in-a-model.ts';

const AS_MODELS = 'call([x]), as tf.sequential and tf.model call it (predict, fit, evaluate, apply)';
const BARE = 'a direct layer.apply(x) with a bare tensor';
const FIX = 'take the input as `const x = Array.isArray(inputs) ? inputs[0] : inputs`';

export const worksAsModelsCallIt: Check = {
  ...catalogEntry('worksAsModelsCallIt'),
  run(ctx): Promise<CheckOutcome> {
    // Training-time calls may update state (running statistics): the checks after this one see the layer as it was.
    return withWeightsRestored(ctx.subject.layer, () =>
      ctx.subject.numInputs === 1 ? judge(ctx) : judgeInAModel(ctx),
    );
  },
};

type Call = (convention: '[x]' | 'x', training: boolean) => Called;

async function judge(ctx: CheckContext): Promise<CheckOutcome> {
  const X = randomInput(ctx);
  const made: Tensor[] = [X];
  const call = caller(ctx, X, made);
  try {
    const model = call('[x]', false);
    const bare = call('x', false);
    const modelTraining = call('[x]', true);
    const bareTraining = call('x', true);
    const evidence: CallConventionsEvidence = {
      kind: 'callConventions',
      inputShape: X.shape,
      calls: [model, bare, modelTraining, bareTraining].map((c) => c.record),
    };
    const shape = shapeText(X.shape);
    const broken = brokenInModels(model, bare, modelTraining, bareTraining, shape);
    if (broken) return { ...broken, evidence };
    const warnings = bareWarnings(bare, bareTraining);
    if (model.outputs && bare.outputs)
      return await compareConventions(call, { model, bare }, [model.outputs, bare.outputs], shape, warnings, evidence);
    if (model.record.returned !== undefined && bare.outputs)
      return {
        status: 'failed',
        message: `the layer computes something else in a model: ${AS_MODELS} returned ${model.record.returned}, ${BARE} ${describeOutputs(bare.outputs)}`,
        where: { parameter: 'output' },
        evidence,
      };
    return {
      status: 'passed',
      message: `the layer runs when called as models call it (call([x])) at prediction and training time, for input ${shape}${model.record.returned !== undefined ? ` (what it returns is predictDoesNotError's to judge)` : ''}`,
      warnings,
      evidence,
    };
  } finally {
    tf.dispose(made);
  }
}

/** Calls the layer on X under one convention, recording what happened; outputs go to `made` for disposal. */
function caller(ctx: CheckContext, X: Tensor, made: Tensor[]): Call {
  const layer = ctx.subject.layer;
  return (convention, training) => {
    const record: ConventionCall = { convention, training };
    try {
      // The same Math.random seed for both conventions: a layer drawing from it gives the same output.
      const out = withSeededMathRandom(deriveSeed(ctx.seed, `worksAsModelsCallIt/${String(training)}`), () =>
        convention === '[x]' ? applyAsModels(layer, X, { training }) : applyBare(layer, X, { training }),
      );
      return recorded(record, out, ctx.subject.numOutputs, made);
    } catch (e) {
      record.error = errorText(e);
      return { record, threw: record.error };
    }
  };
}

/** [x] throws where a bare tensor runs (failed), or both throw (not this check's to judge). */
function brokenInModels(
  model: Called,
  bare: Called,
  modelTraining: Called,
  bareTraining: Called,
  shape: string,
): Omit<CheckOutcome, 'evidence'> | null {
  for (const [m, b, when] of [
    [model, bare, 'prediction time (training: false)'],
    [modelTraining, bareTraining, 'training time (training: true, as model.fit calls it)'],
  ] as const) {
    if (m.threw !== undefined && b.threw === undefined)
      return {
        status: 'failed',
        message: `the layer breaks in every model: ${AS_MODELS} threw at ${when} for an input of shape ${shape}: ${m.threw}; ${BARE} runs, so call expects a Tensor where models pass an array: ${FIX}`,
      };
  }
  if (model.threw !== undefined && bare.threw !== undefined)
    return {
      status: 'skipped',
      message: `not judged: the layer throws under both conventions (${model.threw}); predictDoesNotError reports it`,
    };
  return null;
}

/** A bare tensor throws where [x] runs: the layer works in models, not called directly. */
function bareWarnings(bare: Called, bareTraining: Called): string[] {
  const bareThrew = [bare, bareTraining].filter((b) => b.threw !== undefined);
  if (!bareThrew.length) return [];
  const when = bareThrew.map((b) => (b.record.training ? 'training' : 'prediction')).join(' and ');
  return [
    `${BARE} throws at ${when} time (${bareThrew[0]!.threw}); models pass [x], so the layer works in tf.sequential and tf.model, but not called directly: ${FIX}`,
  ];
}

/** Both conventions ran at prediction time: the same outputs, or a layer that computes something else in a model. */
async function compareConventions(
  call: Call,
  { model, bare }: { model: Called; bare: Called },
  [modelOut, bareOut]: [Tensor[], Tensor[]],
  shape: string,
  warnings: string[],
  evidence: CallConventionsEvidence,
): Promise<CheckOutcome> {
  // Before blaming the convention: does the layer give the same output twice the same way?
  if (!(await sameOutputs(modelOut, bareOut)) && !(await repeatable(call, bare, model)))
    return {
      status: 'passed',
      message: `the layer runs when called as models call it (call([x])) at prediction and training time, for input ${shape}; its outputs vary from call to call under either convention, so they are not compared here (predictIsDeterministic judges that)`,
      warnings,
      evidence,
    };
  const n = modelOut.length;
  const k = modelOut.findIndex((z, i) => z.shape.join() !== bareOut[i]!.shape.join());
  if (k >= 0)
    return {
      status: 'failed',
      message: `the layer computes something else in a model: ${AS_MODELS} returned shape ${shapeText(modelOut[k]!.shape)}${atOutput(k, n)}, ${BARE} ${shapeText(bareOut[k]!.shape)}, for the same input ${shape}`,
      where: outputWhere(k, n),
      evidence,
    };
  const { k: w, c } = await worstOutput(modelOut, bareOut);
  Object.assign(evidence, comparisonEvidence(c), n > 1 ? { output: outputLabel(w, n) } : {});
  if (!c.same)
    return {
      status: 'failed',
      message: `the layer computes something else in a model: ${AS_MODELS} gave ${num(c.a)}, ${BARE} ${num(c.b)} at ${outputPosition(w, n, c.position)}; ${c.differing} of ${modelOut[w]!.size} elements differ, max |diff| ${num(c.maxAbsDiff)} (${toleranceText(c)})`,
      where: outputWhere(w, n, { index: c.index, position: c.position }),
      evidence,
    };
  return {
    status: 'passed',
    message: `called as models call it (call([x])) and directly (layer.apply(x)), the layer runs at prediction and training time and gives the same output${n > 1 ? `s (all ${n})` : ''} for input ${shape} (max |diff| ${num(c.maxAbsDiff)})`,
    warnings,
    evidence,
  };
}

function describeOutputs(outputs: Tensor[]): string {
  return outputs.length === 1
    ? describeReturned(outputs[0])
    : `${outputs.length} outputs (${shapesList(outputs.map((Z) => Z.shape))})`;
}

/** The comparison of the output that differs most (the first that differs beyond the tolerance). */
async function worstOutput(a: Tensor[], b: Tensor[]): Promise<{ k: number; c: Comparison }> {
  let worst: { k: number; c: Comparison } | null = null;
  for (let k = 0; k < a.length; k++) {
    const c = await compareOutputs(a[k]!, b[k]!);
    if (!worst || !c.same || c.maxAbsDiff > worst.c.maxAbsDiff) worst = { k, c };
    if (!c.same) break;
  }
  return worst!;
}

async function sameOutputs(a: Tensor[], b: Tensor[]): Promise<boolean> {
  if (a.length !== b.length || a.some((z, k) => z.shape.join() !== b[k]!.shape.join())) return false;
  return (await worstOutput(a, b)).c.same;
}

/** Whether calling again, bare then as models, gives the same outputs as the first calls. */
async function repeatable(call: Call, bare: Called, model: Called): Promise<boolean> {
  for (const first of [bare, model]) {
    const again = call(first.record.convention as '[x]' | 'x', false);
    if (!again.outputs || !(await sameOutputs(first.outputs!, again.outputs))) return false;
  }
  return true;
}
