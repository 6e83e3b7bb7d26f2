/** What each shape check calls "predict", "forward" and "backward" on each form, for messages. */
import type { LayerUnderTest } from '../../harness/layer-under-test.ts';

/** Prediction time: Form B's predict, Form A's call with training false. */
export function predictName(subject: LayerUnderTest): string {
  return subject.form === 'B' ? 'predict' : 'call (training: false)';
}

/** Training time: Form B's forward (predict when it has none), Form A's call with training true. */
export function forwardName(subject: LayerUnderTest): string {
  if (subject.form === 'A') return 'call (training: true)';
  return typeof subject.custom?.forward === 'function' ? 'forward' : 'forward (predict, no forward defined)';
}

/** How the derivatives are obtained; see gradient-path.ts. */
export function backwardName(subject: LayerUnderTest): string {
  if (subject.form === 'B') return subject.hasBackward ? 'backward' : 'autodiff of forward (no backward defined)';
  return 'autodiff of call (training: true)';
}
