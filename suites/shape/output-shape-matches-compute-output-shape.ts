/**
 * outputShapeMatchesComputeOutputShape: what computeOutputShape says (used by tf.sequential and
 * tf.model to wire the next layer) is the shape predict really returns, for every output: for the
 * concrete batch shape, and in every non-batch dimension for a batch of unknown size (null), as
 * models ask it. With several inputs it is asked with the list of their shapes, and with several
 * outputs it must return a list of shapes, one per output: a layer returning two tensors whose
 * computeOutputShape declares one output is wired by tf.model as a one-output layer.
 * A Form A layer that changes the shape and does not override computeOutputShape fails here:
 * the default says "same as the input".
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { OutputShapeEvidence } from '../../harness/evidence/index.ts';
import { tf } from '../../harness/tf.ts';
import { describeReturned, errorText, shapeText } from './describe-value.ts';
import { atOutput, inputsShort, outputsCount, outputWhere, shapesList } from './io-text.ts';
import { predictName } from './method-names.ts';
import { randomInputs } from './random-input.ts';

type Shape = (number | null)[];

const SEVERAL_INPUTS_HINT =
  'it was given one shape, as for a layer with one input; if the layer takes several inputs, give one size per input (--input-size once per input, or export inputSize = [[...], [...]])';

export const outputShapeMatchesComputeOutputShape: Check = {
  ...catalogEntry('outputShapeMatchesComputeOutputShape'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const name = predictName(subject);
    const Xs = randomInputs(ctx);
    const inputShapes = Xs.map((X) => X.shape);
    const outputShapes = tf.tidy(() => subject.predictAll(Xs).map((Z) => Z.shape));
    tf.dispose(Xs);
    const [nIn, nOut] = [inputShapes.length, outputShapes.length];
    const single = nIn === 1 && nOut === 1;
    const evidence: OutputShapeEvidence = {
      kind: 'outputShape',
      inputShape: inputShapes[0]!,
      outputShape: outputShapes[0]!,
      ...(single ? {} : { inputShapes, outputShapes }),
    };
    // As models ask it: one shape for one input, the list of shapes for several.
    const asArgument = (shapes: Shape[]): Shape | Shape[] => (nIn === 1 ? shapes[0]! : shapes);
    const asked: { input: Shape | Shape[]; compare: 'all' | 'non-batch' }[] = [
      { input: asArgument(inputShapes), compare: 'all' },
      { input: asArgument(ctx.inputSizes.map((s) => [null, ...s])), compare: 'non-batch' },
    ];
    const said: Record<string, unknown> = {};
    for (const { input, compare } of asked) {
      const arg = argumentText(input);
      let s: unknown;
      try {
        s = subject.layer.computeOutputShape(input);
      } catch (e) {
        return {
          status: 'failed',
          message: `computeOutputShape(${arg}) threw: ${errorText(e)}; ${name} returned shape${nOut > 1 ? 's' : ''} ${shapesList(outputShapes)}`,
          // One shape given where a layer written for several inputs indexes a list of them.
          ...(nIn === 1 ? { details: [SEVERAL_INPUTS_HINT] } : {}),
          evidence,
        };
      }
      said[arg] = s;
      const declared = declaredShapes(s, nOut);
      if (!declared) {
        const count = isShapeList(s) ? s.length : isShape(s) ? 1 : null;
        const hint =
          sameShapes(s, input) && usesDefaultComputeOutputShape(subject.layer)
            ? ' (the default, "same as the input": override computeOutputShape)'
            : '';
        const message = single
          ? `computeOutputShape(${arg}) returned ${count !== null ? `${count} shapes` : describeReturned(s)}; expected one shape like ${shapeText(outputShapes[0]!)}`
          : count !== null
            ? `${name} returns ${outputsCount(nOut)}; computeOutputShape declares ${count} (computeOutputShape(${arg}) returned ${argumentText(s as Shape | Shape[])}${hint}): return ${nOut === 1 ? 'one shape' : `a list of ${nOut} shapes, one per output`}, here ${argumentText(nOut === 1 ? outputShapes[0]! : outputShapes)}`
            : `computeOutputShape(${arg}) returned ${describeReturned(s)}; expected ${nOut === 1 ? 'one shape like' : `a list of ${nOut} shapes like`} ${argumentText(nOut === 1 ? outputShapes[0]! : outputShapes)}`;
        return { status: 'failed', message, evidence: { ...evidence, computeOutputShape: said } };
      }
      for (let k = 0; k < nOut; k++) {
        const sk = declared[k]!;
        const outputShape = outputShapes[k]!;
        const expected: Shape = compare === 'all' ? outputShape : [sk[0] ?? null, ...outputShape.slice(1)];
        if (sameShape(sk, expected)) continue;
        const inputK = Array.isArray(input[0]) ? (input as Shape[])[k] : (input as Shape);
        const hint =
          inputK &&
          sameShape(sk, inputK) &&
          !sameShape(outputShape, inputShapes[Math.min(k, nIn - 1)]!) &&
          usesDefaultComputeOutputShape(subject.layer)
            ? ' (the default, "same as the input": override computeOutputShape)'
            : '';
        return {
          status: 'failed',
          message: `${name} returned shape ${shapeText(outputShape)}${atOutput(k, nOut)} for ${inputsShort(inputShapes)}; computeOutputShape(${arg}) says ${shapeText(sk)}${atOutput(k, nOut, 'for')}${hint}`,
          where: outputWhere(k, nOut),
          evidence: { ...evidence, computeOutputShape: said },
        };
      }
    }
    return {
      status: 'passed',
      message: single
        ? `computeOutputShape(${shapeText(inputShapes[0]!)}) = ${shapeText(outputShapes[0]!)}, the shape ${name} returns (and the same non-batch dimensions for a batch of unknown size)`
        : `computeOutputShape(${argumentText(asArgument(inputShapes))}) = ${argumentText(nOut === 1 ? outputShapes[0]! : outputShapes)}, the shape${nOut > 1 ? 's' : ''} ${name} returns${nOut > 1 ? ` for its ${nOut} outputs` : ''} (and the same non-batch dimensions for a batch of unknown size)`,
      evidence: { ...evidence, computeOutputShape: said },
    };
  },
};

/** `[2,4,4,3]`, or `[[2,4],[2,3]]` for a list of shapes. */
function argumentText(s: Shape | Shape[]): string {
  return isShapeList(s) ? `[${s.map((x) => shapeText(x)).join(',')}]` : shapeText(s);
}

/** What computeOutputShape declared, one shape per output, or null when it is not `n` shapes. */
/**
 * One shape per output. For one output, a list of one shape is that shape: TensorFlow.js unwraps
 * a list of one (Layer.apply, for tensors and for the symbolic tensors models wire), and it is what
 * CustomLayer's default computeOutputShape says for a predict that returns [Z].
 */
function declaredShapes(s: unknown, n: number): Shape[] | null {
  if (n === 1 && isShapeList(s) && s.length === 1) return s;
  if (n === 1) return isShape(s) ? [s] : null;
  return isShapeList(s) && s.length === n ? s : null;
}

function isShape(s: unknown): s is Shape {
  return Array.isArray(s) && s.every((d) => d === null || typeof d === 'number');
}

function isShapeList(s: unknown): s is Shape[] {
  return Array.isArray(s) && s.length > 0 && s.every(isShape) && s.every((x) => Array.isArray(x));
}

function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Whether computeOutputShape gave back exactly what it was asked about (tf.layers.Layer's default). */
/** True when the layer's computeOutputShape is tf.layers.Layer's own (which returns its input shape). */
function usesDefaultComputeOutputShape(layer: tf.layers.Layer): boolean {
  return layer.computeOutputShape === tf.layers.Layer.prototype.computeOutputShape;
}

function sameShapes(s: unknown, input: Shape | Shape[]): boolean {
  if (isShapeList(s) && isShapeList(input))
    return s.length === input.length && s.every((x, i) => sameShape(x, input[i]!));
  return isShape(s) && isShape(input) && sameShape(s, input);
}
