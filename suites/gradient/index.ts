/** The checks of suite `gradient`, in the order they run. */
import type { Check } from '../../harness/check.ts';
import { gradientsAreNumericallyCorrect } from './gradients-are-numerically-correct.ts';

export const gradientChecks: Check[] = [gradientsAreNumericallyCorrect];
