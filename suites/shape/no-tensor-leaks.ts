/**
 * noTensorLeaks: predict, forward and the gradient path (as training runs it: Form B's backward
 * through tf.customGrad, or autodiff; an upstream gradient on every output) leave no tensors
 * behind once all their outputs are disposed:
 * tf.memory().numTensors is counted before and after each, as tfjs-layers' expectNoLeakedTensors
 * does. Each path runs once first (a layer may make a cached constant on its first call), then
 * is counted on its second call. A negative count (the layer disposed a tensor it did not make,
 * such as its input) fails too.
 */
import { inputLabel } from '../../harness/io-labels.ts';
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check, CheckOutcome } from '../../harness/check.ts';
import type { TensorLeaksEvidence } from '../../harness/evidence/index.ts';
import type { LayerUnderTest } from '../../harness/layer-under-test.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { errorText } from './describe-value.ts';
import { disposeExcept } from './dispose-except.ts';
import { gradientTensors, upstreamGradients } from './gradient-path.ts';
import { inputWhere } from './io-text.ts';
import { forwardName, predictName } from './method-names.ts';
import { randomInputs } from './random-input.ts';

interface PathCount {
  path: string;
  leaked: number;
}

export const noTensorLeaks: Check = {
  ...catalogEntry('noTensorLeaks'),
  run(ctx): CheckOutcome {
    const { subject } = ctx;
    const Xs = randomInputs(ctx);
    const dLdZs = upstreamGradients(subject, Xs, ctx.random);
    const gradientName =
      subject.form === 'B' && subject.hasBackward
        ? 'gradients (backward through tf.customGrad)'
        : 'gradients (automatic differentiation)';
    const paths: { path: string; run: () => void }[] = [
      { path: predictName(subject), run: () => disposeExcept([subject.predictAll(Xs)], Xs) },
      { path: forwardName(subject), run: () => forwardOnce(subject, Xs) },
      { path: gradientName, run: () => tf.dispose(gradientTensors(subject.gradientsAll(Xs, dLdZs))) },
    ];
    const counts: PathCount[] = [];
    try {
      for (const p of paths) {
        try {
          p.run();
          const before = tf.memory().numTensors;
          p.run();
          counts.push({ path: p.path, leaked: tf.memory().numTensors - before });
        } catch (e) {
          return {
            status: 'failed',
            message: `${p.path} threw while counting tensors: ${errorText(e)}`,
            evidence: { kind: 'tensorLeaks', counts },
          };
        }
      }
      const disposedInputs = Xs.flatMap((X, i) => (X.isDisposed ? [i] : []));
      const inputDisposed = disposedInputs.length > 0 || dLdZs.some((d) => d.isDisposed);
      const evidence: TensorLeaksEvidence = { kind: 'tensorLeaks', counts, inputDisposed };
      const bad = counts.filter((c) => c.leaked !== 0);
      if (bad.length || inputDisposed) {
        const first = bad[0];
        const message = first
          ? first.leaked > 0
            ? `${first.path} left ${first.leaked} tensor${first.leaked === 1 ? '' : 's'} behind per call (tf.memory().numTensors ${first.leaked > 0 ? '+' : ''}${first.leaked}); expected 0: wrap the work in tf.tidy or dispose intermediates`
            : `${first.path} disposed ${-first.leaked} tensor${first.leaked === -1 ? '' : 's'} it did not make (tf.memory().numTensors ${first.leaked}); expected 0: never dispose the input`
          : Xs.length > 1 && disposedInputs.length
            ? `the layer disposed ${disposedInputs.map((i) => inputLabel(i, Xs.length)).join(' and ')}; expected every input untouched`
            : `the layer disposed its input (X or dLdZ); expected it untouched`;
        return {
          status: 'failed',
          message,
          details: bad.slice(1).map((c) => `${c.path}: ${c.leaked > 0 ? '+' : ''}${c.leaked} tensors per call`),
          ...(!first && Xs.length > 1 && disposedInputs.length
            ? { where: inputWhere(disposedInputs[0]!, Xs.length) }
            : {}),
          evidence,
        };
      }
      return {
        status: 'passed',
        message: `no tensors left behind: ${counts.map((c) => `${c.path} +0`).join(', ')}`,
        evidence,
      };
    } finally {
      tf.dispose([...Xs, ...dLdZs]);
    }
  },
};

function forwardOnce(subject: LayerUnderTest, Xs: Tensor[]): void {
  const { Zs, memory } = subject.forwardAll(Xs);
  disposeExcept([Zs, memory], Xs);
}
