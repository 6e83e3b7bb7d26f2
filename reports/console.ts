/**
 * The console report: one line per check as it ends, details under a failure, then MATLAB's
 * summary line. Colour only on a terminal (and never when NO_COLOR is set).
 */
import {
  SEED_NETWORK_INPUT,
  SEED_NETWORK_LAYER_INPUT,
  summarize,
  summaryLine,
  type CheckResult,
  type RunResult,
} from '../harness/result.ts';
import { ioSizes, whereText } from './io-text.ts';

export interface ConsoleStyle {
  color: boolean;
  /** --verbose: the stack frames of an error the layer threw (raw paths into TensorFlow.js), under its check. */
  verbose?: boolean;
}

const MARK: Record<CheckResult['status'], string> = {
  passed: 'PASS',
  failed: 'FAIL',
  incomplete: 'INCOMPLETE',
  skipped: 'SKIP',
};
const COLOR: Record<CheckResult['status'], string> = { passed: '32', failed: '31', incomplete: '33', skipped: '90' };

function paint(s: string, code: string, style: ConsoleStyle): string {
  return style.color ? `\u001b[${code}m${s}\u001b[0m` : s;
}

export function formatCheckLine(r: CheckResult, style: ConsoleStyle): string {
  const mark = paint(MARK[r.status].padEnd(10), COLOR[r.status], style);
  const secs = `${(r.durationMs / 1000).toFixed(2)} s`;
  const lines = [`  ${mark} ${r.suite}/${r.id} (${secs}): ${r.message}`];
  if (r.status === 'failed' || r.status === 'incomplete') {
    const where = whereText(r.where, (v) => (Array.isArray(v) ? `[${v.join(',')}]` : String(v)));
    if (where) lines.push(`             where: ${where}`);
    for (const d of r.details ?? []) lines.push(`             ${d}`);
    if (style.verbose) for (const f of r.stack ?? []) lines.push(`             ${f}`);
    if (r.replay && r.status === 'failed') lines.push(`             replay: ${r.replay}`);
  }
  if (r.status === 'skipped' && r.details?.length) for (const d of r.details) lines.push(`             ${d}`);
  for (const w of r.warnings ?? []) lines.push(`             ${paint('warning', '33', style)}: ${w}`);
  return lines.join('\n');
}

/**
 * The layer's header. `trainingOnly` (a run of the training suite alone) names what that run
 * uses instead of the checks' input size and backend: the seed network's digit input and where
 * it trains (`--train-backend`).
 */
export function formatHeader(
  run: Pick<RunResult, 'layer' | 'environment' | 'seed'>,
  trainingOnly?: { trainBackend: string },
): string {
  const l = run.layer;
  const what = [
    l.className,
    l.type && l.type !== l.className ? `"${l.type}"` : '',
    l.form !== 'unknown' ? `Form ${l.form}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const learnables = l.learnables.map((p) => `${p.name} [${p.shape.join(',')}]`).join(', ') || 'none';
  if (trainingOnly) {
    const backend =
      trainingOnly.trainBackend === 'auto' ? 'auto (webgpu on a GPU, else wasm)' : trainingOnly.trainBackend;
    return `check-layer ${l.file}${what ? `: ${what}` : ''}\n  network input [${SEED_NETWORK_INPUT.join(',')}] (handwritten digits; the layer gets [${SEED_NETWORK_LAYER_INPUT.join(',')}]), learnables: ${learnables}; trains on ${backend}; seed ${run.seed}`;
  }
  const env = run.environment ? `${run.environment.backend} (${run.environment.device})` : 'no backend';
  // Several inputs or outputs: each named as failures name it, `input 1 [4,4,3], input 2 [4,4,3]; output [4,4,3]`.
  const io = ioSizes(l, (s) => `[${s.join(',')}]`);
  const sizes = io
    ? `${[io.inputs ?? `input [${(l.inputSize ?? []).join(',')}]`, io.outputs].filter(Boolean).join('; ')};`
    : `input size [${(l.inputSize ?? []).join(',')}],`;
  return `check-layer ${l.file}${what ? `: ${what}` : ''}\n  ${sizes} learnables: ${learnables}; on ${env}; seed ${run.seed}`;
}

export function formatSummary(run: RunResult): string {
  return summaryLine(run.summary);
}

/** `All 4 layers: 53 Passed, 1 Failed, ...`: every check of every run, times summed. */
export function allLayersLine(runs: readonly RunResult[]): string {
  const total = summarize(
    runs.flatMap((r) => r.checks),
    runs.reduce((a, r) => a + r.summary.durationMs, 0),
  );
  return `All ${runs.length} layers: ${summaryLine(total)}`;
}
