/** The checks of suite `stability`, in the order they run. */
import type { Check } from '../../harness/check.ts';

export const stabilityChecks: Check[] = [];
