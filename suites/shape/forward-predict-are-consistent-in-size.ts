/**
 * forwardPredictAreConsistentInSize: for the same input, the training-time output (forward) has
 * the shape of the prediction-time output (predict); the next layer sees one or the other.
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { ForwardPredictShapesEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { shapeText } from './describe-value.ts';
import { forwardName, predictName } from './method-names.ts';
import { randomInput } from './random-input.ts';

export const forwardPredictAreConsistentInSize: Check = {
  ...catalogEntry('forwardPredictAreConsistentInSize'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const X = randomInput(ctx);
    const inputShape = X.shape;
    const predicted = tf.tidy(() => subject.predict(X).shape);
    const forwarded = tf.tidy(() => subject.forward(X).Z.shape);
    X.dispose();
    const evidence: ForwardPredictShapesEvidence = {
      kind: 'forwardPredictShapes',
      inputShape,
      predictShape: predicted,
      forwardShape: forwarded,
    };
    const same = predicted.length === forwarded.length && predicted.every((d, i) => d === forwarded[i]);
    if (!same) {
      return {
        status: 'failed',
        message: `${forwardName(subject)} returned shape ${shapeText(forwarded)}; ${predictName(subject)} returned ${shapeText(predicted)} for the same input ${shapeText(inputShape)}`,
        where: { parameter: 'output' },
        evidence,
      };
    }
    return {
      status: 'passed',
      message: `${forwardName(subject)} and ${predictName(subject)} both return shape ${shapeText(predicted)} for input ${shapeText(inputShape)}`,
      evidence,
    };
  },
};
