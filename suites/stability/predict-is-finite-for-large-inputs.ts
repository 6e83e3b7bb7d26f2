/**
 * `predictIsFiniteForLargeInputs`: the layer's prediction-time output holds no NaN and no
 * dishonest Infinity for every input class of input-classes.ts (±10 to ±3.4e38, zeros,
 * subnormals, the layer's kinks, and the mixed tensors). Saturation is fine (tanh of 1e30 is 1).
 * Infinity is honest overflow, a warning, when the exact value (estimated from smaller inputs
 * along the same direction, exact-magnitude.ts) is past the float32 maximum: `tf.selu(3.4e38)`
 * is 3.57e38. Findings at the extreme classes (1e10 and up, `mixed`) are warnings unless
 * `strictStability` is set (judge-cell.ts). Each class is a row of the grid in `evidence.grid`.
 *
 * Several inputs: each class goes to each input in turn (the others ordinary) and to all inputs
 * together, a row each (run-input-classes.ts). Several outputs: a column each (`output 2`), and a
 * failure names the output that went non-finite.
 */
import { catalogEntry } from '../../harness/catalog.ts';
import type { Check } from '../../harness/check.ts';
import { outputLabel } from '../../harness/io-labels.ts';
import type { StabilityColumn } from './grid.ts';
import { gridOutcome } from './grid-outcome.ts';
import { runInputClasses } from './run-input-classes.ts';

export const predictIsFiniteForLargeInputs: Check = {
  ...catalogEntry('predictIsFiniteForLargeInputs'),
  async run(ctx) {
    const n = ctx.subject.numOutputs;
    const columns: StabilityColumn[] = Array.from({ length: n }, (_, k) => ({
      key: outputLabel(k, n),
      label: outputLabel(k, n),
    }));
    const run = await runInputClasses(ctx, {
      columns,
      // (A count of outputs other than the layer's own is the shape suite's to report.)
      run: (Xs) =>
        Object.fromEntries(
          ctx.subject
            .predictAll(Xs)
            .slice(0, n)
            .map((Z, k) => [columns[k]!.key, Z]),
        ),
    });
    return gridOutcome(run, n > 1 ? 'outputs' : 'output', {}, (col) => (n > 1 ? { output: col.key } : {}));
  },
};
