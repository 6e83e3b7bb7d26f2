/** The checks of suite `backend`, in the order they run. */
import type { Check } from '../../harness/check.ts';

export const backendChecks: Check[] = [];
