/**
 * The derivatives a backward returns, one row each, named for messages: the input's (`dLdX`; with
 * several inputs `dLdX[1] (input 2)`, one per input) and each learnable's.
 */
import { inputLabel } from '../../harness/io-labels.ts';
import type { LayerUnderTest } from '../../harness/layer-under-test.ts';
import type { FailureLocation } from '../../harness/result.ts';
import type { Tensor } from '../../harness/tf.ts';
import type { AllGradients } from './gradient-path.ts';
import { inputWhere } from './io-text.ts';

export interface DerivativeRow {
  /** `input` (`input 2` with several inputs) or the learnable's name: the evidence's parameter. */
  parameter: string;
  /** The input's index, for an input derivative. */
  input?: number;
  /** In a message: `dLdX`, `dLdX[1] (input 2)`, `the derivative for learnable "alpha"`. */
  label: string;
  /** In a list: `dLdX`, `dLdX[1]`, `alpha`. */
  short: string;
  /** What it differentiates: `X`, `input 2`, `alpha`. */
  of: string;
  where: FailureLocation;
  tensor: Tensor | undefined;
}

/** Rows for every input, then for the learnables in `names` (default: the layer's, as declared). */
export function derivativeRows(
  subject: LayerUnderTest,
  g: AllGradients,
  names = subject.learnableNames(),
): DerivativeRow[] {
  const n = g.dLdXs.length;
  const inputs = g.dLdXs.map((tensor, i): DerivativeRow =>
    n === 1
      ? { parameter: 'input', input: i, label: 'dLdX', short: 'dLdX', of: 'X', where: inputWhere(i, n), tensor }
      : {
          parameter: inputLabel(i, n),
          input: i,
          label: `dLdX[${i}] (${inputLabel(i, n)})`,
          short: `dLdX[${i}]`,
          of: inputLabel(i, n),
          where: inputWhere(i, n),
          tensor,
        },
  );
  const learnables = names.map((name): DerivativeRow => ({
    parameter: name,
    label: `the derivative for learnable "${name}"`,
    short: name,
    of: name,
    where: { parameter: name },
    tensor: g.dLdLearnables[name],
  }));
  return [...inputs, ...learnables];
}
