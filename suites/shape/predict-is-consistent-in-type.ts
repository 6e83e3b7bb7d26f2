/**
 * predictIsConsistentInType: for float32 inputs, predict returns float32 at every output
 * (TensorFlow.js trains in float32 only; a bool or int32 output breaks the next layer's arithmetic
 * or its gradient).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import { tf } from '../../harness/tf.ts';
import { predictName } from './method-names.ts';
import { judgeOutputDtypes } from './output-dtypes.ts';
import { randomInputs } from './random-input.ts';

export const predictIsConsistentInType: Check = {
  ...catalogEntry('predictIsConsistentInType'),
  run(ctx): CheckOutcome {
    const Xs = randomInputs(ctx);
    const dtypes = tf.tidy(() => ctx.subject.predictAll(Xs).map((Z) => Z.dtype as string));
    tf.dispose(Xs);
    return judgeOutputDtypes(predictName(ctx.subject), dtypes, Xs.length);
  },
};
