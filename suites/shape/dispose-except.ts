/** Disposing what a layer returned without disposing the caller's input. */
import { tf } from '../../harness/tf.ts';

/** Disposes the tensors in `values` except `keep` (a forward may hand back its input as memory). */
export function disposeExcept(values: unknown[], keep: tf.Tensor): void {
  const tensors = values.flat(2).filter((t): t is tf.Tensor => t instanceof tf.Tensor && t !== keep);
  tf.dispose(tensors);
}
