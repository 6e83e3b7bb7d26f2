/**
 * observationsAreIndependent: at prediction time, a batch of N observations gives the same
 * outputs as the N observations predicted one at a time (no batch statistics, no mixing across
 * the batch axis). With several inputs, observation i is observation i of every input at once
 * (one slice of each), and every output is compared. Tolerance: see compare-outputs.ts
 * (1e-5 * max|Z| + 1e-6); float32 kernels may round a batch of one differently from a batch of N.
 */
import { outputLabel } from '../../harness/io-labels.ts';
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { BatchIndependenceEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { compareOutputs, comparisonEvidence, num, toleranceText, type Comparison } from './compare-outputs.ts';
import { shapeText } from './describe-value.ts';
import { atOutput, outputPosition, outputWhere } from './io-text.ts';
import { predictName } from './method-names.ts';
import { randomInputs } from './random-input.ts';
import { mixingInputs, mixingText } from './mixing-inputs.ts';
import { inputLabel } from '../../harness/io-labels.ts';

/** Three observations: more than the usual two, so an observation in the middle is seen too. */
const N = 3;

export const observationsAreIndependent: Check = {
  ...catalogEntry('observationsAreIndependent'),
  async run(ctx): Promise<CheckOutcome> {
    const { subject } = ctx;
    const name = predictName(subject);
    const Xs = randomInputs(ctx, N);
    const batched = tf.tidy(() => subject.predictAll(Xs).map((Z) => tf.cast(Z, 'float32')));
    // singles[i][k]: output k of observation i predicted alone.
    const singles: tf.Tensor[][] = [];
    const made = (): tf.Tensor[] => [...Xs, ...batched, ...singles.flat()];
    try {
      for (let i = 0; i < N; i++) {
        singles.push(
          tf.tidy(() => subject.predictAll(Xs.map((X) => tf.slice(X, [i], [1]))).map((Z) => tf.cast(Z, 'float32'))),
        );
      }
      const n = batched.length;
      const evidence: BatchIndependenceEvidence = {
        kind: 'batchIndependence',
        inputShape: Xs[0]!.shape,
        batchedShape: batched[0]!.shape,
        singleShapes: singles.map((s) => s[0]!.shape),
        ...(Xs.length > 1 ? { inputShapes: Xs.map((X) => X.shape) } : {}),
      };
      const describe = (k: number) => {
        if (n > 1)
          Object.assign(evidence, {
            output: outputLabel(k, n),
            batchedShape: batched[k]!.shape,
            singleShapes: singles.map((s) => s[k]!.shape),
          });
      };
      for (let k = 0; k < n; k++) {
        const b = batched[k]!;
        const bad = singles.findIndex(
          (s) =>
            s.length !== n ||
            s[k]!.shape[0] !== 1 ||
            s[k]!.shape.length !== b.shape.length ||
            s[k]!.shape.slice(1).some((d, j) => d !== b.shape[j + 1]),
        );
        if (bad >= 0 || b.shape[0] !== N) {
          describe(k);
          const s = singles[Math.max(bad, 0)]!;
          return {
            status: 'failed',
            message:
              s.length !== n
                ? `${name} returned ${n} outputs for ${N} observations and ${s.length} for one`
                : `${name} returned shape ${shapeText(b.shape)}${atOutput(k, n)} for ${N} observations and ${shapeText(s[k]!.shape)} for one; expected [${N},...] and [1,...] with the same other dimensions`,
            where: outputWhere(k, n),
            evidence,
          };
        }
      }
      let worst: { k: number; c: Comparison; size: number } | null = null;
      for (let k = 0; k < n; k++) {
        const joined = tf.concat(
          singles.map((s) => s[k]!),
          0,
        );
        try {
          const c = await compareOutputs(batched[k]!, joined);
          if (!worst || !c.same || c.maxAbsDiff > worst.c.maxAbsDiff) worst = { k, c, size: joined.size };
          if (!c.same) break;
        } finally {
          joined.dispose();
        }
      }
      const { k, c, size } = worst!;
      describe(k);
      Object.assign(evidence, comparisonEvidence(c));
      if (!c.same) {
        const mixing = Xs.length > 1 ? await mixingInputs(subject, Xs) : [];
        const where = outputWhere(k, n, { index: c.index, position: c.position });
        if (mixing.length === 1) where.input = inputLabel(mixing[0]!, Xs.length);
        return {
          status: 'failed',
          message: `observation ${c.position[0]} predicted in a batch of ${N} gave ${num(c.a)} at ${outputPosition(k, n, c.position)}, alone ${num(c.b)} (max |diff| ${num(c.maxAbsDiff)}, ${c.differing} of ${size} elements differ; ${toleranceText(c)})`,
          details: [
            ...(Xs.length > 1 ? [mixingText(mixing, Xs.length)] : []),
            'batch statistics or mixing across observations at prediction time? Use running statistics in predict',
          ],
          where,
          evidence,
        };
      }
      return {
        status: 'passed',
        message: `a batch of ${N} equals its ${N} observations predicted one at a time${n > 1 ? `, at all ${n} outputs` : ''} (max |diff| ${num(c.maxAbsDiff)}${atOutput(k, n)}, ${toleranceText(c)})`,
        evidence,
      };
    } finally {
      tf.dispose(made());
    }
  },
};
