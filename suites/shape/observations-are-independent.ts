/**
 * observationsAreIndependent: at prediction time, a batch of N observations gives the same
 * outputs as the N observations predicted one at a time (no batch statistics, no mixing across
 * the batch axis). Tolerance: see compare-outputs.ts (1e-5 * max|Z| + 1e-6); float32 kernels may
 * round a batch of one differently from a batch of N.
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { BatchIndependenceEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { compareOutputs, comparisonEvidence, num, toleranceText } from './compare-outputs.ts';
import { shapeText } from './describe-value.ts';
import { predictName } from './method-names.ts';
import { randomInput } from './random-input.ts';

/** Three observations: more than the usual two, so an observation in the middle is seen too. */
const N = 3;

export const observationsAreIndependent: Check = {
  ...catalogEntry('observationsAreIndependent'),
  async run(ctx): Promise<CheckOutcome> {
    const { subject } = ctx;
    const name = predictName(subject);
    const X = randomInput(ctx, N);
    const batched = tf.tidy(() => tf.cast(subject.predict(X), 'float32'));
    const singles: tf.Tensor[] = [];
    try {
      for (let i = 0; i < N; i++) {
        singles.push(tf.tidy(() => tf.cast(subject.predict(tf.slice(X, [i], [1])), 'float32')));
      }
      const evidence: BatchIndependenceEvidence = {
        kind: 'batchIndependence',
        inputShape: X.shape,
        batchedShape: batched.shape,
        singleShapes: singles.map((s) => s.shape),
      };
      const bad = singles.findIndex(
        (s) =>
          s.shape[0] !== 1 ||
          s.shape.length !== batched.shape.length ||
          s.shape.slice(1).some((d, k) => d !== batched.shape[k + 1]),
      );
      if (bad >= 0 || batched.shape[0] !== N) {
        const s = singles[Math.max(bad, 0)]!;
        return {
          status: 'failed',
          message: `${name} returned shape ${shapeText(batched.shape)} for ${N} observations and ${shapeText(s.shape)} for one; expected [${N},...] and [1,...] with the same other dimensions`,
          where: { parameter: 'output' },
          evidence,
        };
      }
      const joined = tf.concat(singles, 0);
      try {
        const c = await compareOutputs(batched, joined);
        Object.assign(evidence, comparisonEvidence(c));
        if (!c.same) {
          return {
            status: 'failed',
            message: `observation ${c.position[0]} predicted in a batch of ${N} gave ${num(c.a)} at output ${shapeText(c.position)}, alone ${num(c.b)} (max |diff| ${num(c.maxAbsDiff)}, ${c.differing} of ${joined.size} elements differ; ${toleranceText(c)})`,
            details: [
              'batch statistics or mixing across observations at prediction time? Use running statistics in predict',
            ],
            where: { parameter: 'output', index: c.index, position: c.position },
            evidence,
          };
        }
        return {
          status: 'passed',
          message: `a batch of ${N} equals its ${N} observations predicted one at a time (max |diff| ${num(c.maxAbsDiff)}, ${toleranceText(c)})`,
          evidence,
        };
      } finally {
        joined.dispose();
      }
    } finally {
      tf.dispose([X, batched, ...singles]);
    }
  },
};
