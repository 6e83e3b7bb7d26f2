/** The checks of suite `shape`, in the order they run. */
import type { Check } from '../../harness/check.ts';

export const shapeChecks: Check[] = [];
