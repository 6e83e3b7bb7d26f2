/**
 * predictDoesNotError: prediction on a batch of random observations (one tensor per input) runs
 * and returns one Tensor per output: one Tensor for a layer with one output, an array of them for
 * a layer with several (as many as it returned for zeros when it was made).
 * (A batch of more than one: layers written for a single image fail here, as in MATLAB.)
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckContext, CheckOutcome } from '../../harness/check.ts';
import { applyAsModelsAll } from '../../harness/layer-under-test.ts';
import { tf } from '../../harness/tf.ts';
import { errorText, stackLines } from './describe-value.ts';
import { inputsText, outputsCount } from './io-text.ts';
import { predictName } from './method-names.ts';
import { callEvidence, outputEvidence, readOutputs, returnedText } from './outputs.ts';
import { randomInputs } from './random-input.ts';

/**
 * A Form B predict that declares more parameters than there are inputs (predict(A, B) given one
 * size) throws on the missing ones: one cause, which functionSyntaxesAreCorrect has already failed.
 */
function undeclaredInputs(ctx: CheckContext): boolean {
  const declared = ctx.subject.custom ? ctx.subject.custom.predict.length : 0;
  return declared > ctx.subject.numInputs && ctx.earlier.get('functionSyntaxesAreCorrect')?.status === 'failed';
}

/**
 * A Form A call that reads an input past those it was given (`inputs[2].shape` with two sizes
 * given) throws on undefined: say how many it got and how to give more.
 */
function missingInputHint(ctx: CheckContext, e: unknown): string | null {
  if (ctx.subject.form !== 'A' || !/undefined|null/.test(errorText(e))) return null;
  const n = ctx.subject.numInputs;
  return `it was called with ${n} input${n === 1 ? '' : 's'} (one per input size given); if the layer takes more, give one size per input (--input-size once per input, or export inputSize = [[...], [...]])`;
}

export const predictDoesNotError: Check = {
  ...catalogEntry('predictDoesNotError'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const name = predictName(subject);
    const Xs = randomInputs(ctx);
    const shapes = Xs.map((X) => X.shape);
    const evidence = callEvidence(shapes);
    try {
      let out: unknown;
      try {
        out = applyAsModelsAll(subject.layer, Xs, { training: false });
      } catch (e) {
        if (undeclaredInputs(ctx))
          return {
            status: 'incomplete',
            message: `not judged: functionSyntaxesAreCorrect failed; ${name} declares more parameters than it is given inputs and threw for ${inputsText(shapes)} (${errorText(e)})`,
            stack: stackLines(e),
            evidence,
          };
        const hint = missingInputHint(ctx, e);
        return {
          status: 'failed',
          message: `${name} threw for ${inputsText(shapes)}: ${errorText(e)}`,
          ...(hint ? { details: [hint] } : {}),
          stack: stackLines(e),
          evidence,
        };
      }
      try {
        const read = readOutputs(out, subject.numOutputs);
        if ('wrong' in read) {
          const zeros = subject.numOutputs > 1 ? ` (it returned ${outputsCount(subject.numOutputs)} for zeros)` : '';
          return {
            status: 'failed',
            message: `${name} returned ${read.wrong} for ${inputsText(shapes)}; expected ${read.expected}${zeros}`,
            evidence,
          };
        }
        return {
          status: 'passed',
          message: `${name} ran on ${inputsText(shapes)} and returned ${returnedText(read.Zs)}`,
          evidence: { ...evidence, ...outputEvidence(read.Zs) },
        };
      } finally {
        tf.dispose(out as tf.TensorContainer);
      }
    } finally {
      tf.dispose(Xs);
    }
  },
};
