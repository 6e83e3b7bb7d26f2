/**
 * backwardIsConsistentInType: dLdX and every learnable derivative are float32 (tf.customGrad
 * rejects any other dtype in training, and optimizers update float32 variables).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { DerivativeTypesEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { gradientsOfRandomInput, gradientTensors } from './gradient-path.ts';
import { backwardName } from './method-names.ts';

export const backwardIsConsistentInType: Check = {
  ...catalogEntry('backwardIsConsistentInType'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const { g } = gradientsOfRandomInput(ctx);
    const rows = [{ parameter: 'input', dtype: g.dLdX.dtype as string }];
    for (const [name, d] of Object.entries(g.dLdLearnables)) rows.push({ parameter: name, dtype: d.dtype });
    tf.dispose(gradientTensors(g));
    const wrong = rows.filter((r) => r.dtype !== 'float32');
    const label = (p: string) => (p === 'input' ? 'dLdX' : `the derivative for learnable "${p}"`);
    const evidence: DerivativeTypesEvidence = { kind: 'derivativeTypes', derivatives: rows };
    if (wrong.length) {
      const w = wrong[0]!;
      return {
        status: 'failed',
        message: `${backwardName(subject)} returned ${label(w.parameter)} as ${w.dtype} for float32 X and dLdZ; expected float32`,
        details: wrong.slice(1).map((r) => `${label(r.parameter)}: ${r.dtype}, expected float32`),
        where: { parameter: w.parameter },
        evidence,
      };
    }
    return {
      status: 'passed',
      message: `${backwardName(subject)} returns float32 for dLdX${
        rows.length > 1
          ? ` and [${rows
              .slice(1)
              .map((r) => r.parameter)
              .join(', ')}]`
          : ''
      }`,
      evidence,
    };
  },
};
