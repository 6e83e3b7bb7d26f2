/**
 * What a call of the layer returned, read as its outputs: one Tensor for a layer with one output
 * (an array is not accepted there, as before), an array of one Tensor per output for a layer
 * with several. The count expected is `subject.numOutputs` (counted when the layer was made).
 */
import type { CallEvidence } from '../../harness/evidence/index.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { describeReturned, shapeText } from './describe-value.ts';
import { outputsCount } from './io-text.ts';

/** The evidence of a call on inputs of these shapes, before its outputs are known. */
export function callEvidence(shapes: number[][]): CallEvidence {
  return { kind: 'call', inputShape: shapes[0]!, ...(shapes.length > 1 ? { inputShapes: shapes } : {}) };
}

/** What a call returned, for its message: "a float32 Tensor of shape [2,4]" or "2 outputs: float32 [2,4], ...". */
export function returnedText(Zs: Tensor[]): string {
  return Zs.length === 1
    ? describeReturned(Zs[0])
    : `${outputsCount(Zs.length)}: ${Zs.map((Z) => `${Z.dtype} ${shapeText(Z.shape)}`).join(', ')}`;
}

/** The outputs' shapes and types for the call's evidence (the lists only for several outputs). */
export function outputEvidence(Zs: Tensor[]): Pick<CallEvidence, 'outputShape' | 'dtype' | 'outputShapes' | 'dtypes'> {
  return {
    outputShape: Zs[0]!.shape,
    dtype: Zs[0]!.dtype,
    ...(Zs.length > 1 ? { outputShapes: Zs.map((Z) => Z.shape), dtypes: Zs.map((Z) => Z.dtype) } : {}),
  };
}

export type ReadOutputs = { Zs: Tensor[] } | { wrong: string; expected: string };

/** The outputs, or what came back and what was expected ("one Tensor", "an array of 2 Tensors, one per output"). */
export function readOutputs(value: unknown, n: number): ReadOutputs {
  if (n === 1)
    return value instanceof tf.Tensor
      ? { Zs: [value as Tensor] }
      : { wrong: describeReturned(value), expected: 'one Tensor' };
  const expected = `an array of ${n} Tensors, one per output`;
  if (!Array.isArray(value)) return { wrong: describeReturned(value), expected };
  const items = value as unknown[];
  const bad = items.findIndex((z) => !(z instanceof tf.Tensor));
  if (items.length !== n || bad >= 0)
    return {
      wrong:
        bad >= 0 && items.length === n
          ? `${outputsCount(items.length)} whose output ${bad + 1} is ${describeReturned(items[bad])}`
          : describeReturned(value),
      expected,
    };
  return { Zs: items as Tensor[] };
}

/** Every Tensor in a returned value (a Tensor, an array, nested arrays), for disposal. */
export function tensorsIn(value: unknown): Tensor[] {
  if (value instanceof tf.Tensor) return [value as Tensor];
  return Array.isArray(value) ? (value as unknown[]).flat(3).filter((t): t is Tensor => t instanceof tf.Tensor) : [];
}
