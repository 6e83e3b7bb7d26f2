/**
 * The harness's one TensorFlow.js instance. Every module of the harness imports tf from here,
 * and layer files' imports of `@tensorflow/tfjs` are resolved to the same package (see
 * `resolve-hooks.mjs`), so there is one kernel registry and one `Layer` class.
 *
 * Side effect: sets tfjs's PROD flag, which only silences its console advice (install tfjs-node,
 * deprecations); the harness reports through its own writers.
 */
import * as tf from '@tensorflow/tfjs';

tf.env().set('PROD', true);

export { tf };
export type Tensor = tf.Tensor;
export type Shape = number[];
