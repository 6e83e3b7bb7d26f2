/**
 * The check catalog: every check, in the order a run does them, with what a reader needs to know
 * of it (id, suite, the sentence saying what it verifies, the checks it depends on). No
 * TensorFlow.js here: the CLI's main thread, `--list-checks`, check selection, the vitest helper's
 * test names, README's check table and the JSON Schema's id list all read this list. The code of
 * each check lives in `suites/<suite>/`, takes its entry with `catalogEntry(id)`, and is listed in
 * `suites/index.ts` in this same order (a test keeps the two one-to-one).
 *
 * Adding a check: an entry here, a module in `suites/<suite>/`, a line in its suite's index, then
 * `npm run sync-docs` to rewrite README's table and the schema's id list.
 */
import type { SuiteId } from './result.ts';

export interface CatalogEntry {
  /** Stable id (most are MATLAB checkLayer's); reports and CI refer to it. */
  readonly id: string;
  readonly suite: SuiteId;
  /** One sentence: what the check verifies. Shown by --list-checks, in README and in the reports. */
  readonly title: string;
  /** Ids of earlier checks whose failure makes this one incomplete (it could not be judged). */
  readonly dependsOn: readonly string[];
}

export const CATALOG = [
  {
    id: 'functionSyntaxesAreCorrect',
    suite: 'shape',
    title:
      'predict, forward and backward (or call) take the inputs the harness passes (one argument per input); backward returns a derivative per input and per learnable, by name.',
    dependsOn: [],
  },
  {
    id: 'worksAsModelsCallIt',
    suite: 'shape',
    title:
      'The layer runs when called as tf.sequential and tf.model call it (call receives [x]), at prediction and training time, and gives the same output as a direct layer.apply(x); with several inputs, a tf.model around it gives what layer.apply([x1, x2]) gives.',
    dependsOn: [],
  },
  {
    id: 'predictDoesNotError',
    suite: 'shape',
    title:
      'predict runs without error on a batch of random observations (one tensor per input) and returns one Tensor per output.',
    dependsOn: ['worksAsModelsCallIt'],
  },
  {
    id: 'forwardDoesNotError',
    suite: 'shape',
    title:
      'forward (training-time output) runs without error on a batch of random observations (one tensor per input) and returns one Tensor per output.',
    dependsOn: ['worksAsModelsCallIt'],
  },
  {
    id: 'backwardDoesNotError',
    suite: 'shape',
    title:
      'backward (or the automatic derivative) runs without error for random inputs and a random upstream gradient on every output.',
    dependsOn: ['functionSyntaxesAreCorrect', 'forwardDoesNotError'],
  },
  {
    id: 'outputShapeMatchesComputeOutputShape',
    suite: 'shape',
    title:
      'computeOutputShape gives the shape predict returns, for every output (the shapes models wire the next layer with).',
    dependsOn: ['predictDoesNotError'],
  },
  {
    id: 'forwardPredictAreConsistentInSize',
    suite: 'shape',
    title: 'forward and predict return as many outputs, of the same shapes, for the same inputs.',
    dependsOn: ['predictDoesNotError', 'forwardDoesNotError'],
  },
  {
    id: 'backwardIsConsistentInSize',
    suite: 'shape',
    title:
      'Each input derivative (dLdX) has the shape of its input and each learnable derivative the shape of its learnable.',
    dependsOn: ['backwardDoesNotError'],
  },
  {
    id: 'predictIsConsistentInType',
    suite: 'shape',
    title: 'predict returns float32 at every output for float32 inputs.',
    dependsOn: ['predictDoesNotError'],
  },
  {
    id: 'forwardIsConsistentInType',
    suite: 'shape',
    title: 'forward returns float32 at every output for float32 inputs.',
    dependsOn: ['forwardDoesNotError'],
  },
  {
    id: 'backwardIsConsistentInType',
    suite: 'shape',
    title: 'Every input derivative (dLdX) and every learnable derivative is float32.',
    dependsOn: ['backwardDoesNotError'],
  },
  {
    id: 'predictIsDeterministic',
    suite: 'shape',
    title: 'predict returns the same outputs when called twice on the same inputs.',
    dependsOn: ['predictDoesNotError'],
  },
  {
    id: 'observationsAreIndependent',
    suite: 'shape',
    title:
      'At prediction time a batch of N observations equals the N observations predicted one at a time (observation i of every input at once).',
    dependsOn: ['predictDoesNotError', 'predictIsDeterministic'],
  },
  {
    id: 'configRoundTrips',
    suite: 'shape',
    title:
      'getConfig and fromConfig through the serialization registry rebuild the layer, which predicts the same outputs with the same weights.',
    dependsOn: ['predictDoesNotError', 'predictIsDeterministic'],
  },
  {
    id: 'noTensorLeaks',
    suite: 'shape',
    title: 'predict, forward and the gradients leave no tensors behind (tf.memory().numTensors before and after).',
    dependsOn: [
      'predictDoesNotError',
      'forwardDoesNotError',
      'backwardDoesNotError',
      'backwardIsConsistentInSize',
      'backwardIsConsistentInType',
    ],
  },
  {
    id: 'gradientsAreNumericallyCorrect',
    suite: 'gradient',
    title:
      'The derivatives with respect to the input and every learnable match float32 finite differences (error-estimated, kink-aware).',
    dependsOn: ['forwardDoesNotError', 'backwardDoesNotError', 'backwardIsConsistentInSize'],
  },
  {
    id: 'backwardMatchesAutodiff',
    suite: 'gradient',
    title: 'The hand-written backward equals automatic differentiation of forward (Form B with a backward).',
    dependsOn: ['forwardDoesNotError', 'backwardDoesNotError', 'backwardIsConsistentInSize'],
  },
  {
    id: 'backwardIsLinearInUpstreamGradient',
    suite: 'gradient',
    title: 'Scaling the upstream gradient dLdZ scales every derivative by the same factor; dLdZ = 0 gives zero.',
    dependsOn: ['forwardDoesNotError', 'backwardDoesNotError', 'backwardIsConsistentInSize'],
  },
  {
    id: 'predictIsFiniteForLargeInputs',
    suite: 'stability',
    title:
      'Prediction output is finite (no NaN, no Infinity) for inputs up to the float32 maximum, zeros, subnormals and kinks.',
    dependsOn: ['predictDoesNotError'],
  },
  {
    id: 'gradientsAreFiniteForLargeInputs',
    suite: 'stability',
    title:
      'Derivatives with respect to the input and every learnable are finite for inputs up to the float32 maximum, zeros, subnormals and kinks.',
    dependsOn: ['backwardDoesNotError', 'backwardIsConsistentInSize'],
  },
  {
    id: 'trainsToAccuracy',
    suite: 'training',
    title:
      'The seed network with the layer trains on real handwritten digits to an accuracy floor, within a margin of the same network with the reference ELU (same seed, data and initial weights).',
    dependsOn: ['worksAsModelsCallIt'],
  },
  {
    id: 'backendsAgree',
    suite: 'backend',
    title:
      'Prediction and gradients on every available backend (wasm, webgpu) agree with cpu within stated float32 tolerances.',
    dependsOn: ['predictDoesNotError', 'backwardDoesNotError', 'backwardIsConsistentInSize'],
  },
] as const satisfies readonly CatalogEntry[];

export type CheckId = (typeof CATALOG)[number]['id'];

export const CHECK_IDS: readonly CheckId[] = CATALOG.map((c) => c.id);

export function isCheckId(id: string): id is CheckId {
  return (CHECK_IDS as readonly string[]).includes(id);
}

/** The catalog's entry for a check id (a check module spreads it into its `Check`). */
export function catalogEntry(id: CheckId): CatalogEntry {
  const entry = CATALOG.find((c) => c.id === id);
  if (!entry) throw new Error(`no check "${id}" in the catalog`);
  return entry;
}

/** The suite a check belongs to. */
export function suiteOf(id: CheckId): SuiteId {
  return catalogEntry(id).suite;
}
