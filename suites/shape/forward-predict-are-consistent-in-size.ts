/**
 * forwardPredictAreConsistentInSize: for the same inputs, the training-time outputs (forward) have
 * the shapes of the prediction-time outputs (predict), as many and output by output; the next
 * layer sees one or the other.
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { ForwardPredictShapesEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { shapeText } from './describe-value.ts';
import { atOutput, inputsShort, outputsCount, outputWhere, shapesList } from './io-text.ts';
import { forwardName, predictName } from './method-names.ts';
import { randomInputs } from './random-input.ts';

export const forwardPredictAreConsistentInSize: Check = {
  ...catalogEntry('forwardPredictAreConsistentInSize'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const Xs = randomInputs(ctx);
    const inputShapes = Xs.map((X) => X.shape);
    const predicted = tf.tidy(() => subject.predictAll(Xs).map((Z) => Z.shape));
    const forwarded = tf.tidy(() => subject.forwardAll(Xs).Zs.map((Z) => Z.shape));
    tf.dispose(Xs);
    const several = inputShapes.length > 1 || predicted.length > 1 || forwarded.length > 1;
    const evidence: ForwardPredictShapesEvidence = {
      kind: 'forwardPredictShapes',
      inputShape: inputShapes[0]!,
      predictShape: predicted[0] ?? [],
      forwardShape: forwarded[0] ?? [],
      ...(several ? { inputShapes, predictShapes: predicted, forwardShapes: forwarded } : {}),
    };
    const [fwd, pred, same] = [forwardName(subject), predictName(subject), inputsShort(inputShapes)];
    if (predicted.length !== forwarded.length)
      return {
        status: 'failed',
        message: `${fwd} returned ${outputsCount(forwarded.length)} (${shapesList(forwarded)}); ${pred} returned ${outputsCount(predicted.length)} (${shapesList(predicted)}) for the same ${same}`,
        where: { parameter: 'output' },
        evidence,
      };
    const n = predicted.length;
    const k = predicted.findIndex(
      (p, i) => p.length !== forwarded[i]!.length || p.some((d, j) => d !== forwarded[i]![j]),
    );
    if (k >= 0) {
      return {
        status: 'failed',
        message: `${fwd} returned shape ${shapeText(forwarded[k]!)}${atOutput(k, n)}; ${pred} returned ${shapeText(predicted[k]!)} for the same ${same}`,
        where: outputWhere(k, n),
        evidence,
      };
    }
    return {
      status: 'passed',
      message:
        n === 1
          ? `${fwd} and ${pred} both return shape ${shapeText(predicted[0]!)} for ${same}`
          : `${fwd} and ${pred} both return ${n} outputs of shapes ${shapesList(predicted)} for ${same}`,
      evidence,
    };
  },
};
