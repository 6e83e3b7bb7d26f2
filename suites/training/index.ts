/** The checks of suite `training`, in the order they run. */
import type { Check } from '../../harness/check.ts';

export const trainingChecks: Check[] = [];
