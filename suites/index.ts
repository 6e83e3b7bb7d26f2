/** Every check, by suite, in the order they run. No discovery: a new check is added here. */
import type { Check } from '../harness/check.ts';
import type { SuiteId } from '../harness/result.ts';
import { backendChecks } from './backend/index.ts';
import { gradientChecks } from './gradient/index.ts';
import { shapeChecks } from './shape/index.ts';
import { stabilityChecks } from './stability/index.ts';
import { trainingChecks } from './training/index.ts';

export const CHECKS_BY_SUITE: Record<SuiteId, readonly Check[]> = {
  shape: shapeChecks,
  gradient: gradientChecks,
  stability: stabilityChecks,
  training: trainingChecks,
  backend: backendChecks,
};

export const ALL_CHECKS: readonly Check[] = Object.values(CHECKS_BY_SUITE).flat();
