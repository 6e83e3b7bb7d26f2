/** The checks of suite `gradient`, in the order they run. */
import type { Check } from '../../harness/check.ts';

export const gradientChecks: Check[] = [];
