/**
 * predictDoesNotError: prediction on a batch of random observations runs and returns one Tensor.
 * (A batch of more than one: layers written for a single image fail here, as in MATLAB.)
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import { tf } from '../../harness/tf.ts';
import { describeReturned, errorText, shapeText, stackLines } from './describe-value.ts';
import { predictName } from './method-names.ts';
import { randomInput } from './random-input.ts';

export const predictDoesNotError: Check = {
  ...catalogEntry('predictDoesNotError'),
  run(ctx): CheckOutcome {
    const name = predictName(ctx.subject);
    const X = randomInput(ctx);
    const inputShape = X.shape;
    try {
      let Z: unknown;
      try {
        Z = ctx.subject.predict(X);
      } catch (e) {
        return {
          status: 'failed',
          message: `${name} threw for an input of shape ${shapeText(inputShape)}: ${errorText(e)}`,
          stack: stackLines(e),
          evidence: { kind: 'call', inputShape },
        };
      }
      try {
        if (!(Z instanceof tf.Tensor)) {
          return {
            status: 'failed',
            message: `${name} returned ${describeReturned(Z)} for an input of shape ${shapeText(inputShape)}; expected one Tensor`,
            evidence: { kind: 'call', inputShape },
          };
        }
        return {
          status: 'passed',
          message: `${name} ran on an input of shape ${shapeText(inputShape)} and returned ${describeReturned(Z)}`,
          evidence: { kind: 'call', inputShape, outputShape: Z.shape as number[], dtype: Z.dtype },
        };
      } finally {
        tf.dispose(Z as tf.TensorContainer);
      }
    } finally {
      X.dispose();
    }
  },
};
