/**
 * The run result model: plain JSON-able data, read by every report writer. Nothing here imports
 * TensorFlow.js. Its shape is published as `reports/report.schema.json`; bump
 * `REPORT_SCHEMA_VERSION` when a field changes meaning or is removed.
 */
import type { Evidence } from './evidence/index.ts';

export type * from './evidence/index.ts';

/** 2: evidence carries a `kind` (one per shape of evidence, see harness/evidence/). */
export const REPORT_SCHEMA_VERSION = 2;

export const SUITES = ['shape', 'gradient', 'stability', 'training', 'backend'] as const;
export type SuiteId = (typeof SUITES)[number];

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'incomplete';

/** Where a failure happened, so a reader can find it and replay it. */
export interface FailureLocation {
  /** `input`, a learnable's name, or `output`. */
  parameter?: string;
  /** Flat element index into that tensor. */
  index?: number;
  /** Multi-dimensional index into that tensor. */
  position?: number[];
  /** Input class, for the stability suite (for example `overflow+` or `subnormal`). */
  inputClass?: string;
  /** For a layer with several inputs: which one (`input 2`). */
  input?: string;
  /** For a layer with several outputs: which one (`output 1`). */
  output?: string;
}

export interface CheckResult {
  id: string;
  suite: SuiteId;
  /** One sentence: what the check verifies. */
  title?: string;
  status: CheckStatus;
  /** One line: what passed, or what was expected and what was seen. */
  message: string;
  /** Further lines shown under a failure. */
  details?: string[];
  /** Non-fatal observations (for example honest overflow to Infinity at the float32 maximum). */
  warnings?: string[];
  where?: FailureLocation;
  /** Milliseconds. */
  durationMs: number;
  /** What the check saw, for reports (errors per parameter, stability grid, training curves...), by `kind`. */
  evidence?: Evidence;
  /** A command that runs this check again with the same seed. */
  replay?: string;
  /**
   * The whole message, when `message` was cut at MESSAGE_CAP characters (a layer that throws a
   * megabyte of text): kept once, here, in the JSON report; every writer shows `message`.
   */
  fullMessage?: string;
  /** Stack frames of an error the layer threw; the console shows them only with --verbose. */
  stack?: string[];
}

export interface LearnableInfo {
  name: string;
  shape: number[];
}

export interface LayerInfo {
  file: string;
  exportName: string;
  /** A: a tf.layers.Layer; B: a CustomLayer with predict/forward/backward. */
  form: 'A' | 'B' | 'unknown';
  className: string;
  name: string;
  type: string;
  description: string;
  /** Size of one observation, e.g. [height, width, channels]. */
  inputSize: number[] | null;
  outputSize?: number[] | null;
  /** A layer with several inputs or outputs: the size of one observation of each input. */
  inputSizes?: number[][];
  /** A layer with several inputs or outputs: the size of each output (null where predict threw). */
  outputSizes?: (number[] | null)[];
  learnables: LearnableInfo[];
  /** Form B: whether the layer defines its own forward (else predict serves at training time too). */
  hasForward?: boolean;
  hasBackward?: boolean;
  /** True when every output element depends only on the same input element (for response plots). */
  elementwise?: boolean;
  /** For elementwise layers: the output over x in [-10, 3] (first channel), for the report's plot. */
  response?: { x: number[]; y: number[] };
}

export interface EnvironmentInfo {
  backend: string;
  /** Human-readable device: "CPU (wasm, SIMD)", "WebGPU (NVIDIA H200)". */
  device: string;
  tfjsVersion: string;
  nodeVersion: string;
  platform: string;
  toolVersion: string;
}

export interface RunSummary {
  passed: number;
  failed: number;
  incomplete: number;
  skipped: number;
  durationMs: number;
}

/** One layer file's run: what the JSON report holds. */
export interface RunResult {
  schemaVersion: number;
  tool: { name: 'check-layer'; version: string };
  startedAt: string;
  seed: number;
  /** The command line options that shaped this run, resolved. */
  options: Record<string, unknown>;
  layer: LayerInfo;
  environment: EnvironmentInfo | null;
  /**
   * Set when the layer could not be run at all (file missing, syntax error, no layer export):
   * `message` cut at MESSAGE_CAP characters, `fullMessage` the whole text when it was cut.
   */
  loadError?: { message: string; hint?: string; fullMessage?: string };
  checks: CheckResult[];
  summary: RunSummary;
  /** 0 nothing failed, 1 a check failed or was incomplete, 2 could not run. */
  exitCode: 0 | 1 | 2;
}

export function summarize(checks: readonly CheckResult[], durationMs: number): RunSummary {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  return {
    passed: count('passed'),
    failed: count('failed'),
    incomplete: count('incomplete'),
    skipped: count('skipped'),
    durationMs,
  };
}

/** MATLAB's summary line: `3 Passed, 1 Failed, 0 Incomplete, 2 Skipped. Time elapsed: 1.23 s`. */
export function summaryLine(s: RunSummary): string {
  return `${s.passed} Passed, ${s.failed} Failed, ${s.incomplete} Incomplete, ${s.skipped} Skipped. Time elapsed: ${(s.durationMs / 1000).toFixed(2)} s`;
}

/** The seed network the training suite trains (reference-layers/training/seed-network.ts): its image input. */
export const SEED_NETWORK_INPUT: readonly number[] = [28, 28, 1];
/** What the layer under test gets in the seed network (after the 5x5 convolution with 20 filters). */
export const SEED_NETWORK_LAYER_INPUT: readonly number[] = [24, 24, 20];

/**
 * How reports title a layer: its class and its file, `EluLayer (elu-layer.ts)` (not TensorFlow.js's
 * generated layer name, `elu_layer_EluLayer1`); the file alone when the layer could not be made.
 */
export function layerTitle(l: Pick<LayerInfo, 'className' | 'file'> | null | undefined): string {
  const file = (l?.file ?? '').split(/[\\/]/).pop() ?? '';
  const cls = l?.className ?? '';
  if (cls && file) return `${cls} (${file})`;
  return cls || file || 'layer';
}

/** The form as reports describe it, true to what the layer defines. */
export function formText(l: Pick<LayerInfo, 'form' | 'hasForward' | 'hasBackward'>): string {
  if (l.form === 'A')
    return 'A: a TensorFlow.js layer (tf.layers.Layer; gradients by automatic differentiation or tf.customGrad)';
  if (l.form === 'B') {
    const methods = ['predict', ...(l.hasForward ? ['forward'] : []), ...(l.hasBackward ? ['backward'] : [])];
    const list = methods.length === 1 ? methods[0] : `${methods.slice(0, -1).join(', ')} and ${methods.at(-1)}`;
    const grads = l.hasBackward
      ? ''
      : `; gradients by automatic differentiation of ${l.hasForward ? 'forward' : 'predict'}`;
    return `B: a CustomLayer with ${list}${grads}`;
  }
  return 'unknown (the layer could not be made)';
}

/** Whether every check of the run is the training suite's (its report then shows the training network's input and backend). */
export function isTrainingOnly(checks: readonly Pick<CheckResult, 'suite'>[]): boolean {
  return checks.length > 0 && checks.every((c) => c.suite === 'training');
}
