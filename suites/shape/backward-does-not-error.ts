/**
 * backwardDoesNotError: the derivatives for a batch of random observations (one tensor per input)
 * and a random upstream gradient on every output can be computed (Form B: backward called
 * directly, or autodiff of forward when there is no backward; Form A: the gradient of call, as
 * training computes it).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { BackwardCallEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { errorText, stackLines } from './describe-value.ts';
import { gradientTensors, layerGradients, upstreamGradients } from './gradient-path.ts';
import { shapesList } from './io-text.ts';
import { backwardName } from './method-names.ts';
import { randomInputs } from './random-input.ts';

export const backwardDoesNotError: Check = {
  ...catalogEntry('backwardDoesNotError'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const name = backwardName(subject);
    const Xs = randomInputs(ctx);
    const dLdZs = upstreamGradients(subject, Xs, ctx.random);
    const [xShapes, zShapes] = [Xs.map((X) => X.shape), dLdZs.map((d) => d.shape)];
    const shapes: BackwardCallEvidence = {
      kind: 'backwardCall',
      inputShape: xShapes[0]!,
      upstreamShape: zShapes[0]!,
      ...(xShapes.length > 1 || zShapes.length > 1 ? { inputShapes: xShapes, upstreamShapes: zShapes } : {}),
    };
    // "X [2,4,4,3] and dLdZ [2,4,4,3]"; with several: "Xs [2,4] and [2,3] and dLdZs [2,4]".
    const given = `${xShapes.length > 1 ? 'Xs' : 'X'} ${shapesList(xShapes)} and ${zShapes.length > 1 ? 'dLdZs' : 'dLdZ'} ${shapesList(zShapes)}`;
    const dLdX = xShapes.length > 1 ? `a dLdX for each of the ${xShapes.length} inputs` : 'dLdX';
    try {
      const g = layerGradients(subject, Xs, dLdZs);
      const learnables = Object.keys(g.dLdLearnables);
      tf.dispose(gradientTensors(g));
      return {
        status: 'passed',
        message: `${name} ran for ${given}, returning ${dLdX}${learnables.length ? ` and derivatives for [${learnables.join(', ')}]` : ' (no learnables)'}`,
        evidence: { ...shapes, learnables },
      };
    } catch (e) {
      return {
        status: 'failed',
        message: `${name} threw for ${given}: ${errorText(e)}`,
        stack: stackLines(e),
        evidence: shapes,
      };
    } finally {
      tf.dispose([...Xs, ...dLdZs]);
    }
  },
};
