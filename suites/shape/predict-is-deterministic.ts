/**
 * predictIsDeterministic: predict twice on the same input gives the same shape, dtype and values
 * (noise or dropout belongs in forward, not in predict). Math.random is seeded differently for
 * the two calls (from the run's seed), so randomness drawn from it shows up and replays.
 * Tolerance: see compare-outputs.ts (1e-5 * max|Z| + 1e-6).
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { RepeatedPredictEvidence } from '../../harness/evidence/index.ts';
import { deriveSeed, withSeededMathRandom } from '../../harness/random.ts';
import { tf } from '../../harness/tf.ts';
import { compareOutputs, comparisonEvidence, num, toleranceText } from './compare-outputs.ts';
import { shapeText } from './describe-value.ts';
import { predictName } from './method-names.ts';
import { randomInput } from './random-input.ts';

export const predictIsDeterministic: Check = {
  ...catalogEntry('predictIsDeterministic'),
  async run(ctx): Promise<CheckOutcome> {
    const { subject } = ctx;
    const name = predictName(subject);
    const X = randomInput(ctx);
    const made: tf.Tensor[] = [X];
    try {
      const first = withSeededMathRandom(deriveSeed(ctx.seed, 'predictIsDeterministic/1'), () => subject.predict(X));
      made.push(first);
      const second = withSeededMathRandom(deriveSeed(ctx.seed, 'predictIsDeterministic/2'), () => subject.predict(X));
      made.push(second);
      const evidence: RepeatedPredictEvidence = {
        kind: 'repeatedPredict',
        inputShape: X.shape,
        shapes: [first.shape, second.shape],
        dtypes: [first.dtype, second.dtype],
      };
      if (first.shape.length !== second.shape.length || first.shape.some((d, i) => d !== second.shape[i])) {
        return {
          status: 'failed',
          message: `${name} returned shape ${shapeText(first.shape)} on the first call and ${shapeText(second.shape)} on the second, for the same input ${shapeText(X.shape)}`,
          where: { parameter: 'output' },
          evidence,
        };
      }
      if (first.dtype !== second.dtype) {
        return {
          status: 'failed',
          message: `${name} returned ${first.dtype} on the first call and ${second.dtype} on the second, for the same input`,
          where: { parameter: 'output' },
          evidence,
        };
      }
      const c = await compareOutputs(first, second);
      Object.assign(evidence, comparisonEvidence(c));
      if (!c.same) {
        return {
          status: 'failed',
          message: `${name} gave different outputs for the same input: ${num(c.a)} then ${num(c.b)} at output ${shapeText(c.position)}, ${c.differing} of ${first.size} elements differ, max |diff| ${num(c.maxAbsDiff)} (${toleranceText(c)})`,
          details: ['randomness in predict? Noise and dropout belong in forward (training time) only'],
          where: { parameter: 'output', index: c.index, position: c.position },
          evidence,
        };
      }
      return {
        status: 'passed',
        message: `${name} returned the same output twice for input ${shapeText(X.shape)} (max |diff| ${num(c.maxAbsDiff)}, ${toleranceText(c)})`,
        evidence,
      };
    } finally {
      tf.dispose(made);
    }
  },
};
