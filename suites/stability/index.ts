/** The checks of suite `stability`, in the order they run. */
import type { Check } from '../../harness/check.ts';
import { gradientsAreFiniteForLargeInputs } from './gradients-are-finite-for-large-inputs.ts';
import { predictIsFiniteForLargeInputs } from './predict-is-finite-for-large-inputs.ts';

export const stabilityChecks: Check[] = [predictIsFiniteForLargeInputs, gradientsAreFiniteForLargeInputs];
