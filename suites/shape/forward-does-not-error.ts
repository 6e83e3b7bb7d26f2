/**
 * forwardDoesNotError: the training-time output on a batch of random observations (one tensor per
 * input) runs and returns one Tensor per output (Form B: forward, or predict when there is none;
 * Form A: call with training true).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import { tf } from '../../harness/tf.ts';
import { errorText, stackLines } from './describe-value.ts';
import { disposeExcept } from './dispose-except.ts';
import { inputsText, outputsCount } from './io-text.ts';
import { forwardName, predictName } from './method-names.ts';
import { callEvidence, outputEvidence, readOutputs, returnedText } from './outputs.ts';
import { randomInputs } from './random-input.ts';

export const forwardDoesNotError: Check = {
  ...catalogEntry('forwardDoesNotError'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const name = forwardName(subject);
    const Xs = randomInputs(ctx);
    const shapes = Xs.map((X) => X.shape);
    const evidence = callEvidence(shapes);
    const predict = ctx.earlier.get('predictDoesNotError');
    try {
      let result: { Zs: unknown[]; memory?: unknown };
      try {
        result = subject.forwardAll(Xs);
      } catch (e) {
        // One cause, one failure: predict already failed with this very error (forward is predict, or
        // the same call at training time): point there.
        // predictDoesNotError incomplete with the error: a predict declaring more parameters than
        // inputs, which functionSyntaxesAreCorrect failed.
        const text = errorText(e).slice(0, 200);
        if (predict?.status === 'failed' && predict.message.includes(`: ${text}`))
          return {
            status: 'incomplete',
            message: `not judged: predictDoesNotError failed; ${name} throws the same error`,
            evidence,
          };
        if (predict?.status === 'incomplete' && predict.message.includes(`(${text}`))
          return {
            status: 'incomplete',
            message: `not judged: functionSyntaxesAreCorrect failed; ${name} throws the error predict throws`,
            evidence,
          };
        return {
          status: 'failed',
          message: `${name} threw for ${inputsText(shapes)}: ${errorText(e)}`,
          stack: stackLines(e),
          evidence,
        };
      }
      const { Zs, memory } = result;
      try {
        const read = readOutputs(Zs.length === 1 ? Zs[0] : Zs, subject.numOutputs);
        if ('wrong' in read) {
          if (predict?.status === 'failed' && predict.message.includes(`returned ${read.wrong} `))
            return {
              status: 'incomplete',
              message: `not judged: predictDoesNotError failed; ${name} returns the same`,
              evidence,
            };
          const n = subject.numOutputs;
          return {
            status: 'failed',
            message: `${name} returned ${read.wrong} for ${inputsText(shapes)}; expected ${read.expected}${n > 1 ? ` (${predictName(subject)} returns ${outputsCount(n)})` : ''}`,
            evidence,
          };
        }
        return {
          status: 'passed',
          message: `${name} ran on ${inputsText(shapes)} and returned ${returnedText(read.Zs)}${memory === undefined ? '' : ' and a memory value'}`,
          evidence: { ...evidence, ...outputEvidence(read.Zs), memory: memory !== undefined },
        };
      } finally {
        disposeExcept([Zs, memory], Xs);
      }
    } finally {
      tf.dispose(Xs);
    }
  },
};
