/**
 * backwardIsConsistentInType: the derivative for every input and every learnable is float32
 * (tf.customGrad rejects any other dtype in training, and optimizers update float32 variables).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { DerivativeTypesEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { derivativeRows } from './derivative-rows.ts';
import { gradientsOfRandomInputs, gradientTensors } from './gradient-path.ts';
import { backwardName } from './method-names.ts';

export const backwardIsConsistentInType: Check = {
  ...catalogEntry('backwardIsConsistentInType'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const { g, inputShapes } = gradientsOfRandomInputs(ctx);
    const rows = derivativeRows(subject, g, Object.keys(g.dLdLearnables)).map((r) => ({
      ...r,
      dtype: r.tensor!.dtype,
    }));
    tf.dispose(gradientTensors(g));
    const wrong = rows.filter((r) => r.dtype !== 'float32');
    const evidence: DerivativeTypesEvidence = {
      kind: 'derivativeTypes',
      derivatives: rows.map(({ parameter, dtype }) => ({ parameter, dtype })),
    };
    const several = inputShapes.length > 1;
    if (wrong.length) {
      const w = wrong[0]!;
      return {
        status: 'failed',
        message: `${backwardName(subject)} returned ${w.label} as ${w.dtype} for float32 ${several ? 'Xs and dLdZs' : 'X and dLdZ'}; expected float32`,
        details: wrong.slice(1).map((r) => `${r.label}: ${r.dtype}, expected float32`),
        where: w.where,
        evidence,
      };
    }
    const inputs = rows.filter((r) => r.input !== undefined).map((r) => r.short);
    const learnables = rows.filter((r) => r.input === undefined).map((r) => r.parameter);
    return {
      status: 'passed',
      message: `${backwardName(subject)} returns float32 for ${inputs.join(', ')}${learnables.length ? ` and [${learnables.join(', ')}]` : ''}`,
      evidence,
    };
  },
};
