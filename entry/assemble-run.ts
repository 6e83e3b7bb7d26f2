/** Assembles a RunResult from its parts; no TensorFlow.js here (the CLI's main thread uses it). */
import { inputSizesOf, type InputSize } from '../harness/options.ts';
import type { RunOptions } from '../harness/options.ts';
import {
  REPORT_SCHEMA_VERSION,
  summarize,
  type CheckResult,
  type EnvironmentInfo,
  type LayerInfo,
  type RunResult,
} from '../harness/result.ts';
import { TOOL_VERSION } from '../harness/version.ts';
import { capText } from '../harness/cap-text.ts';

export function unknownLayer(file: string, exportName: string, size: InputSize | null): LayerInfo {
  const sizes = size ? inputSizesOf(size) : null;
  return {
    file,
    exportName,
    form: 'unknown',
    className: '',
    name: '',
    type: '',
    description: '',
    inputSize: sizes ? sizes[0]! : null,
    ...(sizes && sizes.length > 1 ? { inputSizes: sizes } : {}),
    learnables: [],
  };
}

export function assembleRun(args: {
  startedAt: Date;
  options: RunOptions;
  layer: LayerInfo;
  environment: EnvironmentInfo | null;
  checks: CheckResult[];
  loadError?: { message: string; hint?: string };
}): RunResult {
  const durationMs = Date.now() - args.startedAt.getTime();
  const summary = summarize(args.checks, durationMs);
  const exitCode = args.loadError ? 2 : summary.failed + summary.incomplete > 0 ? 1 : 0;
  const { reportDir: _r, verbose: _v, jobs: _j, ...shown } = args.options;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'check-layer', version: TOOL_VERSION },
    startedAt: args.startedAt.toISOString(),
    seed: args.options.seed,
    options: shown,
    layer: args.layer,
    environment: args.environment,
    ...(args.loadError ? { loadError: cappedLoadError(args.loadError) } : {}),
    checks: args.checks,
    summary,
    exitCode,
  };
}

/** A load error's message cut at MESSAGE_CAP characters (a module that throws a megabyte of text), the whole kept in fullMessage. */
function cappedLoadError(e: { message: string; hint?: string }): {
  message: string;
  hint?: string;
  fullMessage?: string;
} {
  const message = capText(e.message, "; the whole message is in the JSON report's loadError.fullMessage");
  return message === e.message ? e : { ...e, message, fullMessage: e.message };
}
