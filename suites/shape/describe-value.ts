/** One-line descriptions of shapes and of whatever a layer's method returned, for messages. */
import { tf, type Tensor } from '../../harness/tf.ts';
import { asText } from '../../harness/as-text.ts';

/** `[2,8,8,20]`, with `null` for an unknown dimension. */
export function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/** instanceof narrows to `Tensor<any>`; this keeps the shape typed. */
const isTensor = (x: unknown): x is Tensor => x instanceof tf.Tensor;

/** What a method returned, said so that the reader sees why it is not one Tensor. */
export function describeReturned(v: unknown): string {
  if (isTensor(v)) return `a ${v.dtype} Tensor of shape ${shapeText(v.shape)}`;
  if (v === null) return 'null';
  if (v === undefined) return 'undefined (nothing)';
  if (Array.isArray(v)) {
    const items = v.slice(0, 3).map((x) => (isTensor(x) ? `Tensor ${shapeText(x.shape)}` : typeof x));
    return `an array of ${v.length} (${items.join(', ')}${v.length > 3 ? ', ...' : ''})`;
  }
  if (typeof v === 'object') {
    const name = v.constructor?.name ?? 'Object';
    // A Tensor from another copy of TensorFlow.js fails instanceof: say so, it is a common trap.
    if (name === 'Tensor' || name === 'Variable')
      return `a ${name} from another copy of TensorFlow.js (import tf from '@tensorflow/tfjs' only, once)`;
    return `an object (${name}) with keys [${Object.keys(v).slice(0, 5).join(', ')}]`;
  }
  if (typeof v === 'function') return 'a function';
  return `a ${typeof v} (${asText(v).slice(0, 40)})`;
}

/** The first line of what was thrown (an Error's message, anything else by value). */
export { errorText } from '../../harness/error-text.ts';

/** The error's stack frames, for the details under a failure. */
export function stackLines(e: unknown): string[] | undefined {
  const stack = e instanceof Error ? e.stack : undefined;
  if (!stack) return undefined;
  return stack
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 5)
    .map((l) => l.trim());
}
