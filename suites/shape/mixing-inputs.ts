/**
 * Which inputs carry the mixing across observations that observationsAreIndependent found, for a
 * layer with several inputs: input j is varied alone (its N observations as drawn, every other
 * input holding its first observation in every row of the batch), and the batch is compared with
 * its observations predicted one at a time, as the check does. A layer that pools input 2 over the
 * batch differs when input 2 varies and not when only input 1 does.
 */
import { inputLabel } from '../../harness/io-labels.ts';
import type { LayerUnderTest } from '../../harness/layer-under-test.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { compareOutputs } from './compare-outputs.ts';

/** The indices of the inputs that, varied alone, make a batch differ from its observations one at a time. */
export async function mixingInputs(subject: LayerUnderTest, Xs: Tensor[]): Promise<number[]> {
  const n = Xs[0]!.shape[0];
  const found: number[] = [];
  for (let j = 0; j < Xs.length; j++) {
    const varied = tf.tidy(() =>
      Xs.map((X, i) => (i === j ? tf.clone(X) : tf.tile(tf.slice(X, [0], [1]), [n, ...X.shape.slice(1).map(() => 1)]))),
    );
    try {
      if (await differsFromSingles(subject, varied, n)) found.push(j);
    } finally {
      tf.dispose(varied);
    }
  }
  return found;
}

async function differsFromSingles(subject: LayerUnderTest, Xs: Tensor[], n: number): Promise<boolean> {
  const made: Tensor[] = [];
  try {
    const batched = tf.tidy(() => subject.predictAll(Xs).map((Z) => tf.cast(Z, 'float32')));
    made.push(...batched);
    const singles = tf.tidy(() => {
      const rows = Array.from({ length: n }, (_, i) =>
        subject.predictAll(Xs.map((X) => tf.slice(X, [i], [1]))).map((Z) => tf.cast(Z, 'float32')),
      );
      return batched.map((_, k) =>
        tf.concat(
          rows.map((r) => r[k]!),
          0,
        ),
      );
    });
    made.push(...singles);
    for (let k = 0; k < batched.length; k++) {
      if (batched[k]!.shape.join() !== singles[k]!.shape.join()) return true;
      if (!(await compareOutputs(batched[k]!, singles[k]!)).same) return true;
    }
    return false;
  } catch {
    return false;
  } finally {
    tf.dispose(made);
  }
}

/** "input 2 mixes observations (varied alone across the batch it changes the outputs; input 1 does not)". */
export function mixingText(found: number[], inputs: number): string {
  if (found.length === 0)
    return 'no single input varied alone shows it: the mixing needs several inputs varying at once';
  const names = found.map((j) => inputLabel(j, inputs));
  const clean = Array.from({ length: inputs }, (_, j) => j).filter((j) => !found.includes(j));
  const list = (xs: string[]) => (xs.length === 1 ? xs[0]! : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
  const rest = clean.length
    ? `; ${list(clean.map((j) => inputLabel(j, inputs)))} ${clean.length === 1 ? 'does' : 'do'} not`
    : '';
  return `${list(names)} ${found.length === 1 ? 'mixes' : 'mix'} observations (varied alone across the batch, ${found.length === 1 ? 'it changes' : 'each changes'} the outputs${rest})`;
}
