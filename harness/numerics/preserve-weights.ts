/**
 * Snapshot and restore of every weight of a layer (learnables and state such as running
 * statistics). Perturbing learnables and calling forward at training time (which may update
 * running statistics) must leave the layer exactly as it was for the checks that follow.
 */
import { tf } from '../tf.ts';

export async function withWeightsRestored<T>(layer: tf.layers.Layer, fn: () => Promise<T>): Promise<T> {
  const weights = layer.weights;
  const saved = weights.map((w) => tf.keep(w.read().clone()));
  try {
    return await fn();
  } finally {
    weights.forEach((w, i) => (w.read() as tf.Variable).assign(saved[i]!));
    saved.forEach((t) => t.dispose());
  }
}
