/** The checks of suite `gradient`, in the order they run. */
import type { Check } from '../../harness/check.ts';
import { backwardIsLinearInUpstreamGradient } from './backward-is-linear-in-upstream-gradient.ts';
import { backwardMatchesAutodiff } from './backward-matches-autodiff.ts';
import { gradientsAreNumericallyCorrect } from './gradients-are-numerically-correct.ts';

export const gradientChecks: Check[] = [
  gradientsAreNumericallyCorrect,
  backwardMatchesAutodiff,
  backwardIsLinearInUpstreamGradient,
];
