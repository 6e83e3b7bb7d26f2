/** forwardIsConsistentInType: for a float32 input, the training-time output is float32. */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { DtypeEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { forwardName } from './method-names.ts';
import { randomInput } from './random-input.ts';

export const forwardIsConsistentInType: Check = {
  ...catalogEntry('forwardIsConsistentInType'),
  run(ctx): CheckOutcome {
    const name = forwardName(ctx.subject);
    const X = randomInput(ctx);
    const dtype = tf.tidy(() => ctx.subject.forward(X).Z.dtype);
    X.dispose();
    const evidence: DtypeEvidence = { kind: 'dtype', inputDtype: 'float32', outputDtype: dtype };
    if (dtype !== 'float32') {
      return {
        status: 'failed',
        message: `${name} returned ${dtype} for a float32 input; expected float32`,
        where: { parameter: 'output' },
        evidence,
      };
    }
    return { status: 'passed', message: `${name} returns float32 for a float32 input`, evidence };
  },
};
