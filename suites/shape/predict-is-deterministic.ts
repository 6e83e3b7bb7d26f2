/**
 * predictIsDeterministic: predict twice on the same inputs gives the same outputs, output by
 * output: the same count, shapes, dtypes and values (noise or dropout belongs in forward, not in
 * predict). Math.random is seeded differently for the two calls (from the run's seed), so
 * randomness drawn from it shows up and replays.
 * Tolerance: see compare-outputs.ts (1e-5 * max|Z| + 1e-6).
 */
import { outputLabel } from '../../harness/io-labels.ts';
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { RepeatedPredictEvidence } from '../../harness/evidence/index.ts';
import { deriveSeed, withSeededMathRandom } from '../../harness/random.ts';
import { tf } from '../../harness/tf.ts';
import { compareOutputs, comparisonEvidence, num, toleranceText } from './compare-outputs.ts';
import { shapeText } from './describe-value.ts';
import { atOutput, inputsShort, outputPosition, outputsCount, outputWhere } from './io-text.ts';
import { predictName } from './method-names.ts';
import { randomInputs } from './random-input.ts';

export const predictIsDeterministic: Check = {
  ...catalogEntry('predictIsDeterministic'),
  async run(ctx): Promise<CheckOutcome> {
    const { subject } = ctx;
    const name = predictName(subject);
    const Xs = randomInputs(ctx);
    const made: tf.Tensor[] = [...Xs];
    const inputShapes = Xs.map((X) => X.shape);
    const several = Xs.length > 1 ? 's' : '';
    try {
      const first = withSeededMathRandom(deriveSeed(ctx.seed, 'predictIsDeterministic/1'), () =>
        subject.predictAll(Xs),
      );
      made.push(...first);
      const second = withSeededMathRandom(deriveSeed(ctx.seed, 'predictIsDeterministic/2'), () =>
        subject.predictAll(Xs),
      );
      made.push(...second);
      const n = first.length;
      const evidence: RepeatedPredictEvidence = {
        kind: 'repeatedPredict',
        inputShape: inputShapes[0]!,
        shapes: [first[0]!.shape, second[0]!.shape],
        dtypes: [first[0]!.dtype, second[0]!.dtype],
      };
      if (Xs.length > 1) evidence.inputShapes = inputShapes;
      if (n !== second.length)
        return {
          status: 'failed',
          message: `${name} returned ${outputsCount(n)} on the first call and ${outputsCount(second.length)} on the second, for the same ${inputsShort(inputShapes)}`,
          where: { parameter: 'output' },
          evidence,
        };
      let worst: { k: number; c: Awaited<ReturnType<typeof compareOutputs>> } | null = null;
      for (let k = 0; k < n; k++) {
        const [a, b] = [first[k]!, second[k]!];
        if (n > 1)
          Object.assign(evidence, {
            output: outputLabel(k, n),
            shapes: [a.shape, b.shape],
            dtypes: [a.dtype, b.dtype],
          });
        if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
          return {
            status: 'failed',
            message: `${name} returned shape ${shapeText(a.shape)}${atOutput(k, n)} on the first call and ${shapeText(b.shape)} on the second, for the same ${inputsShort(inputShapes)}`,
            where: outputWhere(k, n),
            evidence,
          };
        if (a.dtype !== b.dtype)
          return {
            status: 'failed',
            message: `${name} returned ${a.dtype}${atOutput(k, n)} on the first call and ${b.dtype} on the second, for the same input${several}`,
            where: outputWhere(k, n),
            evidence,
          };
        const c = await compareOutputs(a, b);
        if (!c.same) {
          Object.assign(evidence, comparisonEvidence(c));
          return {
            status: 'failed',
            message: `${name} gave different outputs for the same input${several}: ${num(c.a)} then ${num(c.b)} at ${outputPosition(k, n, c.position)}, ${c.differing} of ${a.size} elements differ, max |diff| ${num(c.maxAbsDiff)} (${toleranceText(c)})`,
            details: ['randomness in predict? Noise and dropout belong in forward (training time) only'],
            where: outputWhere(k, n, { index: c.index, position: c.position }),
            evidence,
          };
        }
        if (!worst || c.maxAbsDiff > worst.c.maxAbsDiff) worst = { k, c };
      }
      const { k, c } = worst!;
      Object.assign(evidence, comparisonEvidence(c));
      if (n > 1)
        Object.assign(evidence, {
          output: outputLabel(k, n),
          shapes: [first[k]!.shape, second[k]!.shape],
          dtypes: [first[k]!.dtype, second[k]!.dtype],
        });
      return {
        status: 'passed',
        message:
          n === 1
            ? `${name} returned the same output twice for ${inputsShort(inputShapes)} (max |diff| ${num(c.maxAbsDiff)}, ${toleranceText(c)})`
            : `${name} returned the same ${n} outputs twice for ${inputsShort(inputShapes)} (max |diff| ${num(c.maxAbsDiff)}${atOutput(k, n)}, ${toleranceText(c)})`,
        evidence,
      };
    } finally {
      tf.dispose(made);
    }
  },
};
