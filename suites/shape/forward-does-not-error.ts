/**
 * forwardDoesNotError: the training-time output on a batch of random observations runs and
 * returns one Tensor (Form B: forward, or predict when there is none; Form A: call with
 * training true).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import { tf } from '../../harness/tf.ts';
import { describeReturned, errorText, shapeText, stackLines } from './describe-value.ts';
import { disposeExcept } from './dispose-except.ts';
import { forwardName } from './method-names.ts';
import { randomInput } from './random-input.ts';

export const forwardDoesNotError: Check = {
  ...catalogEntry('forwardDoesNotError'),
  run(ctx): CheckOutcome {
    const name = forwardName(ctx.subject);
    const X = randomInput(ctx);
    const inputShape = X.shape;
    try {
      let result: { Z: unknown; memory?: unknown };
      try {
        result = ctx.subject.forward(X);
      } catch (e) {
        // One cause, one failure: predict already failed with this very error (forward is predict, or
        // the same call at training time): point there.
        const predict = ctx.earlier.get('predictDoesNotError');
        if (predict?.status === 'failed' && predict.message.includes(`: ${errorText(e).slice(0, 200)}`))
          return {
            status: 'incomplete',
            message: `not judged: predictDoesNotError failed; ${name} throws the same error`,
            evidence: { kind: 'call', inputShape },
          };
        return {
          status: 'failed',
          message: `${name} threw for an input of shape ${shapeText(inputShape)}: ${errorText(e)}`,
          stack: stackLines(e),
          evidence: { kind: 'call', inputShape },
        };
      }
      const { Z, memory } = result;
      try {
        if (!(Z instanceof tf.Tensor)) {
          const predict = ctx.earlier.get('predictDoesNotError');
          if (predict?.status === 'failed' && predict.message.includes(`returned ${describeReturned(Z)} `))
            return {
              status: 'incomplete',
              message: `not judged: predictDoesNotError failed; ${name} returns the same`,
              evidence: { kind: 'call', inputShape },
            };
          return {
            status: 'failed',
            message: `${name} returned ${describeReturned(Z)} for an input of shape ${shapeText(inputShape)}; expected one Tensor`,
            evidence: { kind: 'call', inputShape },
          };
        }
        return {
          status: 'passed',
          message: `${name} ran on an input of shape ${shapeText(inputShape)} and returned ${describeReturned(Z)}${memory === undefined ? '' : ' and a memory value'}`,
          evidence: {
            kind: 'call',
            inputShape,
            outputShape: Z.shape as number[],
            dtype: Z.dtype,
            memory: memory !== undefined,
          },
        };
      } finally {
        disposeExcept([Z, memory], X);
      }
    } finally {
      X.dispose();
    }
  },
};
