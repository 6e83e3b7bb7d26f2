/** Runs fn, then frees every tensor it made: for test code that returns plain values (numbers, verdicts). */
import { tf } from '../harness/tf.ts';

export function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}
