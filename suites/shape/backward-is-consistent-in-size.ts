/**
 * backwardIsConsistentInSize: the derivative with respect to the input has the input's shape and
 * each learnable's derivative has that learnable's shape (a derivative not summed over the
 * batch, [N, C] for a [C] parameter, is the classic slip).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { DerivativeShapesEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { shapeText } from './describe-value.ts';
import { gradientsOfRandomInput, gradientTensors } from './gradient-path.ts';
import { backwardName } from './method-names.ts';

export const backwardIsConsistentInSize: Check = {
  ...catalogEntry('backwardIsConsistentInSize'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const { g, inputShape } = gradientsOfRandomInput(ctx);
    const rows: { parameter: string; expected: number[]; seen: number[] }[] = [
      { parameter: 'input', expected: inputShape, seen: g.dLdX.shape },
    ];
    for (const name of subject.learnableNames()) {
      const d = g.dLdLearnables[name];
      rows.push({ parameter: name, expected: subject.learnableVariable(name).shape, seen: d ? d.shape : [] });
    }
    tf.dispose(gradientTensors(g));
    const wrong = rows.filter((r) => r.expected.length !== r.seen.length || r.expected.some((d, i) => d !== r.seen[i]));
    const evidence: DerivativeShapesEvidence = { kind: 'derivativeShapes', derivatives: rows };
    const label = (p: string) => (p === 'input' ? 'dLdX' : `the derivative for learnable "${p}"`);
    if (wrong.length) {
      const w = wrong[0]!;
      return {
        status: 'failed',
        message: `${backwardName(subject)} returned ${label(w.parameter)} of shape ${shapeText(w.seen)}; expected ${shapeText(w.expected)}, the shape of ${w.parameter === 'input' ? 'X' : w.parameter}`,
        details: wrong
          .slice(1)
          .map((r) => `${label(r.parameter)}: shape ${shapeText(r.seen)}, expected ${shapeText(r.expected)}`),
        where: { parameter: w.parameter },
        evidence,
      };
    }
    return {
      status: 'passed',
      message: `${backwardName(subject)}: ${rows.map((r) => `${r.parameter === 'input' ? 'dLdX' : r.parameter} ${shapeText(r.seen)}`).join(', ')}, each the shape of what it differentiates`,
      evidence,
    };
  },
};
