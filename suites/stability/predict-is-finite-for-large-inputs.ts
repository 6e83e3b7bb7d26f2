/**
 * `predictIsFiniteForLargeInputs`: the layer's prediction-time output holds no NaN and no
 * dishonest Infinity for every input class of input-classes.ts (±10 to ±3.4e38, zeros,
 * subnormals, the layer's kinks, and the mixed tensors). Saturation is fine (tanh of 1e30 is 1).
 * Infinity is honest overflow, a warning, when the exact value (estimated from smaller inputs
 * along the same direction, exact-magnitude.ts) is past the float32 maximum: `tf.selu(3.4e38)`
 * is 3.57e38. Findings at the extreme classes (1e10 and up, `mixed`) are warnings unless
 * `strictStability` is set (judge-cell.ts). Each class is a row of the grid in `evidence.grid`.
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
