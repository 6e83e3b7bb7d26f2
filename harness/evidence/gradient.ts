/**
 * The gradient suite's evidence (read by the JSON and HTML reports). Plain JSON-able data; no
 * TensorFlow.js here.
 */
import type { ProbeRule } from '../numerics/probe.ts';

/** One (numeric, analytic) pair, for a scatter plot. */
export interface ScatterPair {
  numeric: number;
  analytic: number;
  passed: boolean;
  kink: boolean;
}

/** The probe furthest outside its tolerance (or, when all pass, the closest to it). */
export interface WorstProbe {
  /** Flat element index (coordinate probe) or null (direction probe). */
  index: number | null;
  /** Multi-dimensional index of that element. */
  position: number[] | null;
  /** Direction number (direction probe) or null. */
  direction: number | null;
  numeric: number;
  analytic: number;
  /** Finite-difference step at the level that decided. */
  step: number;
  /** The numeric value's own error estimate (truncation + rounding), before the safety factor. */
  errorEstimate: number;
  /** |analytic - numeric| allowed. */
  tolerance: number;
  /** Which estimate decided: central, left or right one-sided, or between them at a kink. */
  rule: ProbeRule;
  kink: boolean;
}

/** Where the learnables were for a comparison: as the layer made them, or moved (see MovedLearnablesEvidence). */
export type LearnablesAt = 'initial' | 'moved';

/** Element probes of the input at one scale of values. */
export interface InputScaleEvidence {
  scale: string;
  probes: number;
  failures: number;
}

export interface ParameterGradientEvidence {
  /** `input` (`input 1`, `input 2`, ... for a layer with several inputs) or the learnable's name. */
  parameter: string;
  /** Where the learnables were when this parameter's derivative was compared. */
  learnablesAt: LearnablesAt;
  shape: number[];
  passed: boolean;
  /** Elements probed one by one. */
  coordinates: number;
  /** Random directions probed (all elements at once). */
  directions: number;
  /** Probes outside their tolerance. */
  failures: number;
  /** Probes whose one-sided differences disagreed beyond their error estimates (a kink in the stencil). */
  kinks: number;
  /**
   * An input only (empty for learnables): its element probes by the scale of the element's value
   * (`about 1`, `about +10`, `about -10`, `about +30`, `about -30`, `near kink 3`), with how many failed.
   */
  scales: InputScaleEvidence[];
  forwardPasses: number;
  /** Largest |analytic - numeric| over the probes. */
  maxAbsError: number;
  /** Largest |analytic - numeric| / max(|analytic|, |numeric|, 1e-3 x the largest |numeric| of this parameter). */
  maxRelError: number;
  worst: WorstProbe | null;
  /** A one-line reading of the failure pattern, when recognisable. */
  diagnosis: string | null;
  /** Up to MAX_PAIRS (numeric, analytic) pairs, failing probes first. */
  pairs: ScatterPair[];
}

export interface CounterexampleEvidence {
  /** Where the learnables were (the moved values are in `movedLearnables`). */
  learnablesAt: LearnablesAt;
  /** Shrinking steps that kept the failure. */
  shrinks: number;
  /** The (first) input's shape. */
  inputShape: number[];
  /** Every input's shape; only for a layer with several inputs or outputs. */
  inputShapes?: number[][];
  /** X and dLdZ (each input and dLdZ on each output), printed exactly (shortest decimals that read back as the float32 values). */
  description: string;
  parameter: string;
  /** The failing probe, named: `alpha[1]`, `input[0,0,0,2]`, `input 2[0,1]`, `input along random direction 1`. */
  probe: string;
  index: number | null;
  position: number[] | null;
  direction: number | null;
  numeric: number;
  analytic: number;
  tolerance: number;
}

/** One learnable at the second point: its initial and its moved values, printed exactly (elided when long). */
export interface MovedLearnable {
  parameter: string;
  initial: string;
  moved: string;
}

/**
 * The second point: every learnable moved from its initial values (each element by 20 to 50% of
 * its magnitude; constants such as 'zeros' and 'ones' to values apart from each other and away
 * from 0 and 1), drawn from `seed`, and the derivatives compared there on a case drawn afresh.
 */
export interface MovedLearnablesEvidence {
  /** Seed of the moves (derived from the run's seed). */
  seed: number;
  /** Seed of the case drawn at the moved point. */
  caseSeed: number;
  learnables: MovedLearnable[];
  passed: boolean;
  forwardPasses: number;
}

/** `gradientsAreNumericallyCorrect`. */
export interface GradientCheckEvidence {
  kind: 'gradientCheck';
  /** How the numeric derivatives were made, in one line. */
  method: string;
  batch: number;
  /** The (first) input's shape, [batch, ...size]. */
  inputShape: number[];
  /** The (first) output's shape. */
  outputShape: number[];
  /** Every input's shape; only for a layer with several inputs or outputs. */
  inputShapes?: number[][];
  /** Every output's shape; only for a layer with several inputs or outputs. */
  outputShapes?: number[][];
  exhaustive: boolean;
  /** Forward passes for the finite differences (the drawn case, not counting shrinking). */
  forwardPasses: number;
  kinks: number;
  /** fast-check seed of the drawn case (derived from the run's seed). */
  caseSeed: number;
  /** Per parameter (each input, then each learnable), at the initial learnables and then (when checked) at the moved ones. */
  parameters: ParameterGradientEvidence[];
  counterexample: CounterexampleEvidence | null;
  /** The second point; null when the layer has no learnables or the initial point already failed. */
  movedLearnables: MovedLearnablesEvidence | null;
}

/** Two float32 computations of one derivative, compared element by element. */
export interface DerivativeComparison {
  /** Elements outside tolerance. */
  mismatches: number;
  maxAbsError: number;
  maxRelError: number;
  /** The element furthest outside its tolerance (or closest to it), flat index. */
  worstIndex: number;
  expected: number;
  actual: number;
  tolerance: number;
}

export interface DerivativeTolerance {
  /** Relative to the element: rel x max(|expected|, |actual|). */
  rel: number;
  /** Relative to the RMS of the expected values (elements near zero, sums with cancellation). */
  relToRms: number;
}

/** `backwardMatchesAutodiff`: per parameter, the hand-written backward against autodiff. */
export interface AutodiffComparisonEvidence {
  kind: 'autodiffComparison';
  tolerance: DerivativeTolerance;
  /** The (first) input's shape. */
  inputShape: number[];
  /** Every input's shape; only for a layer with several inputs or outputs. */
  inputShapes?: number[][];
  /** At the moved learnables when they were compared there (the initial point passed), else at the initial ones. */
  parameters: ({ parameter: string; shape: number[]; elements: number; passed: boolean } & DerivativeComparison)[];
  /** The learnables' moved values (same moves as gradientsAreNumericallyCorrect's); null when not moved. */
  movedLearnables: MovedLearnable[] | null;
  /** Finite differences at the elements where the two disagree; null when they agree. */
  arbiter: ArbiterEvidence | null;
  /**
   * The whole case compared (not shrunk): X (of `inputShape`) and dLdZ (of `outputShape`), each
   * float32 value as the shortest decimal that reads back to it, so a failure replays from the JSON.
   * A layer with several inputs or outputs: those are the first input and output's, and `xs`,
   * `dLdZs`, `outputShapes` hold every input's values and every output's dLdZ and shape.
   */
  case: {
    x: number[];
    dLdZ: number[];
    outputShape: number[];
    xs?: number[][];
    dLdZs?: number[][];
    outputShapes?: number[][];
  };
}

/**
 * Which side finite differences take at one element where the backward and autodiff disagree:
 * `backward` (autodiff is wrong: TensorFlow.js's gradient), `autodiff` (the backward is wrong),
 * `both` (both within the finite difference's tolerance: it cannot tell them apart), `neither`,
 * `kink` (a kink within the step, and neither matches one side: finite differences cannot decide).
 */
export type ArbiterVerdict = 'backward' | 'autodiff' | 'both' | 'neither' | 'kink';

export interface ArbiterElement {
  index: number;
  position: number[];
  backward: number;
  autodiff: number;
  numeric: number;
  tolerance: number;
  verdict: ArbiterVerdict;
}

export interface ArbiterParameter {
  parameter: string;
  /** Elements where the backward and autodiff disagree. */
  disagreeing: number;
  /** Of those, the ones finite differences were asked about (the worst first). */
  elements: ArbiterElement[];
}

/** Finite differences as the arbiter between a hand-written backward and TensorFlow.js's autodiff. */
export interface ArbiterEvidence {
  /** The backend whose gradients were compared. */
  backend: string;
  /** TensorFlow.js kernels forward runs (their gradients make up autodiff's derivative). */
  forwardOps: string[];
  parameters: ArbiterParameter[];
}

/** One parameter at one scale of dLdZ (0 for the zero test): elements outside tolerance and the worst one. */
export interface LinearityFinding {
  parameter: string;
  scale: number;
  index: number;
  expected: number;
  actual: number;
  tolerance: number;
  mismatches: number;
}

/** `backwardIsLinearInUpstreamGradient`. */
export interface LinearityEvidence {
  kind: 'linearity';
  scales: readonly number[];
  tolerance: DerivativeTolerance;
  zeroTolerance: number;
  findings: LinearityFinding[];
}
