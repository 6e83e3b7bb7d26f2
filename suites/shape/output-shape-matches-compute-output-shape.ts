/**
 * outputShapeMatchesComputeOutputShape: what computeOutputShape says (used by tf.sequential and
 * tf.model to wire the next layer) is the shape predict really returns: for the concrete batch
 * shape, and in every non-batch dimension for a batch of unknown size (null), as models ask it.
 * A Form A layer that changes the shape and does not override computeOutputShape fails here:
 * the default says "same as the input".
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { OutputShapeEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { describeReturned, errorText, shapeText } from './describe-value.ts';
import { predictName } from './method-names.ts';
import { randomInput } from './random-input.ts';

export const outputShapeMatchesComputeOutputShape: Check = {
  ...catalogEntry('outputShapeMatchesComputeOutputShape'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const name = predictName(subject);
    const X = randomInput(ctx);
    const inputShape = X.shape;
    const outputShape = tf.tidy(() => subject.predict(X).shape);
    X.dispose();
    const evidence: OutputShapeEvidence = { kind: 'outputShape', inputShape, outputShape };
    const symbolic: (number | null)[] = [null, ...ctx.inputSize];
    const asked: { input: (number | null)[]; compare: 'all' | 'non-batch' }[] = [
      { input: inputShape, compare: 'all' },
      { input: symbolic, compare: 'non-batch' },
    ];
    const said: Record<string, unknown> = {};
    for (const { input, compare } of asked) {
      let s: unknown;
      try {
        s = subject.layer.computeOutputShape(input);
      } catch (e) {
        return {
          status: 'failed',
          message: `computeOutputShape(${shapeText(input)}) threw: ${errorText(e)}; ${name} returned shape ${shapeText(outputShape)}`,
          evidence,
        };
      }
      said[shapeText(input)] = s;
      if (!isShape(s)) {
        return {
          status: 'failed',
          message: `computeOutputShape(${shapeText(input)}) returned ${Array.isArray(s) && s.every(Array.isArray) ? `${s.length} shapes` : describeReturned(s)}; expected one shape like ${shapeText(outputShape)}`,
          evidence: { ...evidence, computeOutputShape: said },
        };
      }
      const expected: (number | null)[] = compare === 'all' ? outputShape : [s[0] ?? null, ...outputShape.slice(1)];
      if (!sameShape(s, expected)) {
        const hint =
          sameShape(s, input) && !sameShape(outputShape, inputShape)
            ? ' (the default, "same as the input": override computeOutputShape)'
            : '';
        return {
          status: 'failed',
          message: `${name} returned shape ${shapeText(outputShape)} for input ${shapeText(inputShape)}; computeOutputShape(${shapeText(input)}) says ${shapeText(s)}${hint}`,
          where: { parameter: 'output' },
          evidence: { ...evidence, computeOutputShape: said },
        };
      }
    }
    return {
      status: 'passed',
      message: `computeOutputShape(${shapeText(inputShape)}) = ${shapeText(outputShape)}, the shape ${name} returns (and the same non-batch dimensions for a batch of unknown size)`,
      evidence: { ...evidence, computeOutputShape: said },
    };
  },
};

function isShape(s: unknown): s is (number | null)[] {
  return Array.isArray(s) && s.every((d) => d === null || typeof d === 'number');
}

function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
