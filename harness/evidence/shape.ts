/**
 * The shape suite's evidence: what each contract check saw (shapes, dtypes, method arities,
 * tensor counts, output comparisons). Plain JSON-able data; no TensorFlow.js here.
 * For a layer with several inputs or outputs, the single-valued fields (`inputShape`,
 * `outputShape`, ...) hold the first input's and output's, and the plural fields (`inputShapes`,
 * `outputShapes`, ...) every one, in order; the plural fields are left out for a layer with one
 * input and one output. `output` names the output a comparison's numbers are of (`output 2`).
 */

/** `functionSyntaxesAreCorrect`: the layer's form and the parameter counts of its methods. */
export interface SyntaxEvidence {
  kind: 'syntax';
  form: 'A' | 'B';
  /** Declared parameter count per method (null: the method is absent). */
  parameters?: Record<string, number | null>;
  /** What could not be judged, and why (forward or backward threw). */
  notJudged?: string[];
  /** Every problem found (the first is the message). */
  problems?: string[];
}

/** One way of calling the layer, and what it did: the output's shape, or the error's first line. */
export interface ConventionCall {
  /**
   * `[x]`: as tf.sequential and tf.model call it; `x`: a direct layer.apply(x) with a bare tensor.
   * Several inputs: `Xs`, a direct layer.apply([x1, x2]); `tf.model`, model.predict of a tf.model
   * around the layer.
   */
  convention: '[x]' | 'x' | 'Xs' | 'tf.model';
  training: boolean;
  outputShape?: number[];
  outputShapes?: number[][];
  /** What came back when it was not one Tensor. */
  returned?: string;
  error?: string;
}

/** `worksAsModelsCallIt`: each call made, and the two prediction-time outputs compared (when both ran). */
export interface CallConventionsEvidence extends OutputComparisonEvidence {
  kind: 'callConventions';
  inputShape: number[];
  inputShapes?: number[][];
  calls: ConventionCall[];
}

/** `predictDoesNotError`, `forwardDoesNotError`: the input, and what came back when it ran. */
export interface CallEvidence {
  kind: 'call';
  inputShape: number[];
  inputShapes?: number[][];
  outputShape?: number[];
  dtype?: string;
  outputShapes?: number[][];
  dtypes?: string[];
  /** forward: whether it returned a memory value. */
  memory?: boolean;
}

/** `backwardDoesNotError`: the shapes passed, and the learnables a derivative came back for. */
export interface BackwardCallEvidence {
  kind: 'backwardCall';
  inputShape: number[];
  upstreamShape: number[];
  inputShapes?: number[][];
  /** One upstream gradient per output. */
  upstreamShapes?: number[][];
  learnables?: string[];
}

/** `outputShapeMatchesComputeOutputShape`. */
export interface OutputShapeEvidence {
  kind: 'outputShape';
  inputShape: number[];
  outputShape: number[];
  inputShapes?: number[][];
  outputShapes?: number[][];
  /** What computeOutputShape returned, by the input shape it was asked about (`[2,4,4,3]`, `[null,4,4,3]`). */
  computeOutputShape?: Record<string, unknown>;
}

/** `forwardPredictAreConsistentInSize`. */
export interface ForwardPredictShapesEvidence {
  kind: 'forwardPredictShapes';
  inputShape: number[];
  predictShape: number[];
  forwardShape: number[];
  inputShapes?: number[][];
  predictShapes?: number[][];
  forwardShapes?: number[][];
}

/**
 * `backwardIsConsistentInSize`: per parameter (`input`, with several inputs `input 1`, `input 2`,
 * ..., then each learnable), the derivative's shape against the expected one.
 */
export interface DerivativeShapesEvidence {
  kind: 'derivativeShapes';
  derivatives: { parameter: string; expected: number[]; seen: number[] }[];
}

/** `predictIsConsistentInType`, `forwardIsConsistentInType`. */
export interface DtypeEvidence {
  kind: 'dtype';
  inputDtype: string;
  /** The first output's not float32, else the first output's. */
  outputDtype: string;
  outputDtypes?: string[];
}

/** `backwardIsConsistentInType`: per parameter, the derivative's dtype. */
export interface DerivativeTypesEvidence {
  kind: 'derivativeTypes';
  derivatives: { parameter: string; dtype: string }[];
}

/**
 * Two outputs that should be the same, compared (suites/shape/compare-outputs.ts): present once
 * the comparison ran. `maxAbsDiff` is a string when not finite (JSON has no Infinity).
 */
export interface OutputComparisonEvidence {
  /** Several outputs: which one the numbers (and the check's shapes) are of, `output 2`. */
  output?: string;
  maxAbsDiff?: number | string;
  maxAbs?: number;
  tolerance?: number;
  differing?: number;
}

/** `observationsAreIndependent`. */
export interface BatchIndependenceEvidence extends OutputComparisonEvidence {
  kind: 'batchIndependence';
  inputShape: number[];
  inputShapes?: number[][];
  batchedShape: number[];
  singleShapes: number[][];
}

/** `predictIsDeterministic`: the two calls' shapes and dtypes. */
export interface RepeatedPredictEvidence extends OutputComparisonEvidence {
  kind: 'repeatedPredict';
  inputShape: number[];
  inputShapes?: number[][];
  shapes: number[][];
  dtypes: string[];
}

/** `configRoundTrips`: as far as the round trip got. */
export interface ConfigRoundTripEvidence extends OutputComparisonEvidence {
  kind: 'configRoundTrip';
  className: string;
  /** Whether the class declares a static className of its own. */
  ownClassName: boolean;
  /** What getConfig returned, through JSON. */
  config?: Record<string, unknown>;
  /** The original layer's weights. */
  weights?: { name: string; shape: (number | null)[] }[];
}

/** `noTensorLeaks`: tensors left behind per call of each path. */
export interface TensorLeaksEvidence {
  kind: 'tensorLeaks';
  counts: { path: string; leaked: number }[];
  inputDisposed?: boolean;
}
