/** The checks of suite `backend`, in the order they run. */
import type { Check } from '../../harness/check.ts';
import { backendsAgree } from './backends-agree.ts';

export const backendChecks: Check[] = [backendsAgree];
