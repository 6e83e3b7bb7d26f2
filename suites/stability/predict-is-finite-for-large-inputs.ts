/**
 * `predictIsFiniteForLargeInputs`: the layer's prediction-time output holds no NaN and no
 * Infinity for every input class of input-classes.ts (±10 to ±3.4e38, zeros, subnormals, the
 * layer's kinks, and all of them mixed in one tensor). Saturation is fine (tanh of 1e30 is 1).
 * NaN always fails; Infinity fails unless it is honest overflow caused by inputs at the float32
 * maximum (judge-cell.ts): `tf.selu(3.4e38)` is Infinity because 1.0507 x 3.4e38 is past the
 * float32 maximum, and that is a warning. In `mixed`, non-finite values that go away once the
 * inputs past sqrt(float32 max) = 1.8e19 are set to 0 are warnings too (NaN included: the
 * variance of a batch holding 1e30 and 10 is past float32). Each class is a row of the grid in
 * `evidence.grid`.
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check } from '../../harness/check.ts';
import { gridOutcome } from './grid-outcome.ts';
import { runInputClasses } from './run-input-classes.ts';

export const predictIsFiniteForLargeInputs: Check = {
  ...catalogEntry('predictIsFiniteForLargeInputs'),
  async run(ctx) {
    const run = await runInputClasses(ctx, {
      columns: [{ key: 'output', label: 'output' }],
      run: (X) => ({ output: ctx.subject.predict(X) }),
    });
    return gridOutcome(run, 'output');
  },
};
