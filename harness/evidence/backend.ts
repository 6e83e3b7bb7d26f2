/**
 * The backend suite's evidence: each compared backend's tensors against cpu (the reference).
 * Plain JSON-able data; no TensorFlow.js here.
 */

/** Element i agrees when |got_i - cpu_i| <= atol * max|cpu| + rtol * |cpu_i|. */
export interface BackendTolerance {
  /** Times the largest |cpu| value of the tensor. */
  atol: number;
  /** Times |cpu| of the element. */
  rtol: number;
}

/** One tensor (output, dLdX, dLd<learnable>) on one backend against cpu. */
export interface QuantityComparison {
  /** `output`, `dLdX`, `dLd<learnable>`; several outputs or inputs: `output 2`, `dLdX2`. */
  quantity: string;
  /** max_i |got_i - cpu_i| (null in JSON where NaN). */
  maxAbsDiff: number;
  /** max_i |got_i - cpu_i| / |cpu_i| over elements with cpu_i != 0. */
  maxRelDiff: number;
  /**
   * The scale of atol: the largest |cpu| in the tensor; for a derivative, also over the same
   * derivative for 2 more random upstream gradients on cpu (a sum that cancels for one
   * upstream gradient is judged against its usual size).
   */
  scale: number;
  /** max_i |got_i - cpu_i| / allowed_i: at most 1 when the tensor agrees. */
  worstRatio: number;
  /** The element with the worst ratio (flat index and per axis), and its values. */
  worstIndex: number;
  worstPosition: number[];
  cpuValue: number;
  value: number;
  /** The allowed difference at that element. */
  allowed: number;
  tolerance: BackendTolerance;
  agrees: boolean;
}

/** One compared backend: its tensors, or the error the layer threw there. */
export interface BackendComparisonEvidence {
  device?: string;
  quantities?: QuantityComparison[];
  error?: string;
}

/** `backendsAgree`, once cpu and at least one other backend ran. */
export interface BackendsEvidence {
  kind: 'backends';
  reference: 'cpu';
  /** The input's shape (several inputs: the first's; all of them in `inputShapes`). */
  inputShape: number[];
  /** A layer with several inputs: each input's shape. */
  inputShapes?: number[][];
  tolerances: Readonly<Record<'output' | 'gradient', BackendTolerance>>;
  /** The rule, in words. */
  rule: string;
  backends: Record<string, BackendComparisonEvidence>;
  /** Backends not compared, and why. */
  unavailable: string[];
}

/** `backendsAgree` skipped: no backend to compare with cpu. */
export interface NoBackendsEvidence {
  kind: 'noBackends';
  unavailable: string[];
}
