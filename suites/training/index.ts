/** The checks of suite `training`, in the order they run. */
import type { Check } from '../../harness/check.ts';
import { trainsToAccuracy } from './trains-to-accuracy.ts';

export const trainingChecks: Check[] = [trainsToAccuracy];
