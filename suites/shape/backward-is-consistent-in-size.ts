/**
 * backwardIsConsistentInSize: the derivative with respect to each input has that input's shape
 * and each learnable's derivative has that learnable's shape (a derivative not summed over the
 * batch, [N, C] for a [C] parameter, is the classic slip).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { DerivativeShapesEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { shapeText } from './describe-value.ts';
import { gradientsOfRandomInputs, gradientTensors } from './gradient-path.ts';
import { derivativeRows, type DerivativeRow } from './derivative-rows.ts';
import { backwardName } from './method-names.ts';

export const backwardIsConsistentInSize: Check = {
  ...catalogEntry('backwardIsConsistentInSize'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const { g, inputShapes } = gradientsOfRandomInputs(ctx);
    const rows = derivativeRows(subject, g).map((r) => ({
      ...r,
      expected: r.input !== undefined ? inputShapes[r.input]! : subject.learnableVariable(r.parameter).shape,
      seen: r.tensor ? r.tensor.shape : [],
    }));
    tf.dispose(gradientTensors(g));
    const wrong = rows.filter((r) => r.expected.length !== r.seen.length || r.expected.some((d, i) => d !== r.seen[i]));
    const evidence: DerivativeShapesEvidence = {
      kind: 'derivativeShapes',
      derivatives: rows.map(({ parameter, expected, seen }) => ({ parameter, expected, seen })),
    };
    if (wrong.length) {
      const w = wrong[0]!;
      return {
        status: 'failed',
        message: `${backwardName(subject)} returned ${w.label} of shape ${shapeText(w.seen)}; expected ${shapeText(w.expected)}, the shape of ${w.of}`,
        details: wrong.slice(1).map((r) => `${r.label}: shape ${shapeText(r.seen)}, expected ${shapeText(r.expected)}`),
        where: w.where,
        evidence,
      };
    }
    return {
      status: 'passed',
      message: `${backwardName(subject)}: ${rows.map((r: DerivativeRow & { seen: number[] }) => `${r.short} ${shapeText(r.seen)}`).join(', ')}, each the shape of what it differentiates`,
      evidence,
    };
  },
};
