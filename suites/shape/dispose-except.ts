/** Disposing what a layer returned without disposing the caller's inputs. */
import { tf } from '../../harness/tf.ts';

/** Disposes the tensors in `values` except `keep` (a forward may hand back an input as memory or as an output). */
export function disposeExcept(values: unknown[], keep: tf.Tensor | tf.Tensor[]): void {
  const kept = Array.isArray(keep) ? keep : [keep];
  const tensors = values
    .flat(3)
    .filter((t): t is tf.Tensor => t instanceof tf.Tensor && !kept.includes(t as tf.Tensor));
  tf.dispose(tensors);
}
