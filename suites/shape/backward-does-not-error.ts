/**
 * backwardDoesNotError: the derivatives for a batch of random observations and a random upstream
 * gradient dLdZ can be computed (Form B: backward called directly, or autodiff of forward when
 * there is no backward; Form A: the gradient of call, as training computes it).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { BackwardCallEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { errorText, shapeText, stackLines } from './describe-value.ts';
import { gradientTensors, layerGradients, upstreamGradient } from './gradient-path.ts';
import { backwardName } from './method-names.ts';
import { randomInput } from './random-input.ts';

export const backwardDoesNotError: Check = {
  ...catalogEntry('backwardDoesNotError'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const name = backwardName(subject);
    const X = randomInput(ctx);
    const dLdZ = upstreamGradient(subject, X, ctx.random);
    const shapes: BackwardCallEvidence = { kind: 'backwardCall', inputShape: X.shape, upstreamShape: dLdZ.shape };
    try {
      const g = layerGradients(subject, X, dLdZ);
      const learnables = Object.keys(g.dLdLearnables);
      tf.dispose(gradientTensors(g));
      return {
        status: 'passed',
        message: `${name} ran for X ${shapeText(X.shape)} and dLdZ ${shapeText(dLdZ.shape)}, returning dLdX${learnables.length ? ` and derivatives for [${learnables.join(', ')}]` : ' (no learnables)'}`,
        evidence: { ...shapes, learnables },
      };
    } catch (e) {
      return {
        status: 'failed',
        message: `${name} threw for X ${shapeText(X.shape)} and dLdZ ${shapeText(dLdZ.shape)}: ${errorText(e)}`,
        stack: stackLines(e),
        evidence: shapes,
      };
    } finally {
      tf.dispose([X, dLdZ]);
    }
  },
};
