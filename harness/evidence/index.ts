/**
 * A check's evidence: what it saw, as data for the reports. A union discriminated by `kind`
 * (one kind per shape of evidence); each check builds one member, and every writer switches on
 * `kind`. `reports/report.schema.json` has one `oneOf` entry per kind. Nothing here imports
 * TensorFlow.js.
 */
import type { BackendsEvidence, NoBackendsEvidence } from './backend.ts';
import type { AutodiffComparisonEvidence, GradientCheckEvidence, LinearityEvidence } from './gradient.ts';
import type {
  BackwardCallEvidence,
  BatchIndependenceEvidence,
  CallConventionsEvidence,
  CallEvidence,
  ConfigRoundTripEvidence,
  DerivativeShapesEvidence,
  DerivativeTypesEvidence,
  DtypeEvidence,
  ForwardPredictShapesEvidence,
  OutputShapeEvidence,
  RepeatedPredictEvidence,
  SyntaxEvidence,
  TensorLeaksEvidence,
} from './shape.ts';
import type { StabilityGridEvidence } from './stability.ts';
import type { TrainsToAccuracyEvidence } from './training.ts';

export type * from './backend.ts';
export type * from './gradient.ts';
export type * from './shape.ts';
export type * from './stability.ts';
export { mergeStabilityGrids, stabilityRowKey } from './stability.ts';
export type * from './training.ts';

export type Evidence =
  | SyntaxEvidence
  | CallConventionsEvidence
  | CallEvidence
  | BackwardCallEvidence
  | OutputShapeEvidence
  | ForwardPredictShapesEvidence
  | DerivativeShapesEvidence
  | DtypeEvidence
  | DerivativeTypesEvidence
  | BatchIndependenceEvidence
  | RepeatedPredictEvidence
  | ConfigRoundTripEvidence
  | TensorLeaksEvidence
  | GradientCheckEvidence
  | AutodiffComparisonEvidence
  | LinearityEvidence
  | StabilityGridEvidence
  | TrainsToAccuracyEvidence
  | BackendsEvidence
  | NoBackendsEvidence;

export type EvidenceKind = Evidence['kind'];

/** Every kind and the checks that make it (the JSON Schema has one `oneOf` entry per kind; a test keeps them equal). */
export const EVIDENCE_KINDS: Readonly<Record<EvidenceKind, string>> = {
  syntax: 'functionSyntaxesAreCorrect',
  callConventions: 'worksAsModelsCallIt',
  call: 'predictDoesNotError, forwardDoesNotError',
  backwardCall: 'backwardDoesNotError',
  outputShape: 'outputShapeMatchesComputeOutputShape',
  forwardPredictShapes: 'forwardPredictAreConsistentInSize',
  derivativeShapes: 'backwardIsConsistentInSize',
  dtype: 'predictIsConsistentInType, forwardIsConsistentInType',
  derivativeTypes: 'backwardIsConsistentInType',
  batchIndependence: 'observationsAreIndependent',
  repeatedPredict: 'predictIsDeterministic',
  configRoundTrip: 'configRoundTrips',
  tensorLeaks: 'noTensorLeaks',
  gradientCheck: 'gradientsAreNumericallyCorrect',
  autodiffComparison: 'backwardMatchesAutodiff',
  linearity: 'backwardIsLinearInUpstreamGradient',
  stabilityGrid: 'predictIsFiniteForLargeInputs, gradientsAreFiniteForLargeInputs',
  training: 'trainsToAccuracy',
  backends: 'backendsAgree',
  noBackends: 'backendsAgree (skipped: no backend to compare with cpu)',
};

/** The evidence without its `kind`: the fields a generic table or text shows. */
export function evidenceFields(e: Evidence): Record<string, unknown> {
  return Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'kind'));
}

/** The member of the union with this kind. */
export type EvidenceOf<K extends EvidenceKind> = Extract<Evidence, { kind: K }>;

/** Whether a result's evidence is of this kind (narrows it). */
export function isEvidenceOf<K extends EvidenceKind>(e: Evidence | undefined, kind: K): e is EvidenceOf<K> {
  return e?.kind === kind;
}

/** A result's evidence of the kind its check makes; throws, naming both kinds, when it is another or absent. */
export function evidenceOf<K extends EvidenceKind>(r: { id?: string; evidence?: Evidence }, kind: K): EvidenceOf<K> {
  const e = r.evidence;
  if (!isEvidenceOf(e, kind))
    throw new Error(`${r.id ?? 'the check'}: expected evidence of kind '${kind}', got ${e ? `'${e.kind}'` : 'none'}`);
  return e;
}
