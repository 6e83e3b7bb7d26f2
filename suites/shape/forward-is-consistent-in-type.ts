/** forwardIsConsistentInType: for float32 inputs, the training-time output is float32 at every output. */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import { tf } from '../../harness/tf.ts';
import { forwardName } from './method-names.ts';
import { judgeOutputDtypes } from './output-dtypes.ts';
import { randomInputs } from './random-input.ts';

export const forwardIsConsistentInType: Check = {
  ...catalogEntry('forwardIsConsistentInType'),
  run(ctx): CheckOutcome {
    const Xs = randomInputs(ctx);
    const dtypes = tf.tidy(() => ctx.subject.forwardAll(Xs).Zs.map((Z) => Z.dtype as string));
    tf.dispose(Xs);
    return judgeOutputDtypes(forwardName(ctx.subject), dtypes, Xs.length);
  },
};
