/**
 * predictIsConsistentInType: for a float32 input, predict returns float32 (TensorFlow.js trains
 * in float32 only; a bool or int32 output breaks the next layer's arithmetic or its gradient).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { DtypeEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { predictName } from './method-names.ts';
import { randomInput } from './random-input.ts';

export const predictIsConsistentInType: Check = {
  ...catalogEntry('predictIsConsistentInType'),
  run(ctx): CheckOutcome {
    const name = predictName(ctx.subject);
    const X = randomInput(ctx);
    const dtype = tf.tidy(() => ctx.subject.predict(X).dtype);
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
