/**
 * The checks of suite `shape`, in the order they run. predictIsDeterministic runs before
 * observationsAreIndependent and configRoundTrips, which compare predictions and depend on it
 * (a predict that draws random numbers would otherwise fail those two as well).
 */
import type { Check } from '../../harness/check.ts';
import { backwardDoesNotError } from './backward-does-not-error.ts';
import { backwardIsConsistentInSize } from './backward-is-consistent-in-size.ts';
import { backwardIsConsistentInType } from './backward-is-consistent-in-type.ts';
import { configRoundTrips } from './config-round-trips.ts';
import { forwardDoesNotError } from './forward-does-not-error.ts';
import { forwardIsConsistentInType } from './forward-is-consistent-in-type.ts';
import { forwardPredictAreConsistentInSize } from './forward-predict-are-consistent-in-size.ts';
import { functionSyntaxesAreCorrect } from './function-syntaxes-are-correct.ts';
import { noTensorLeaks } from './no-tensor-leaks.ts';
import { observationsAreIndependent } from './observations-are-independent.ts';
import { outputShapeMatchesComputeOutputShape } from './output-shape-matches-compute-output-shape.ts';
import { predictDoesNotError } from './predict-does-not-error.ts';
import { predictIsConsistentInType } from './predict-is-consistent-in-type.ts';
import { predictIsDeterministic } from './predict-is-deterministic.ts';
import { worksAsModelsCallIt } from './works-as-models-call-it.ts';

export const shapeChecks: Check[] = [
  functionSyntaxesAreCorrect,
  worksAsModelsCallIt,
  predictDoesNotError,
  forwardDoesNotError,
  backwardDoesNotError,
  outputShapeMatchesComputeOutputShape,
  forwardPredictAreConsistentInSize,
  backwardIsConsistentInSize,
  predictIsConsistentInType,
  forwardIsConsistentInType,
  backwardIsConsistentInType,
  predictIsDeterministic,
  observationsAreIndependent,
  configRoundTrips,
  noTensorLeaks,
];
