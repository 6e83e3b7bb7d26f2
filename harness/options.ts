/**
 * Options, resolved once at the edge: loose values from the command line or the programmatic API
 * in, a fully typed object out, and a one-line `UsageError` naming the option and the fix.
 */
import { totalmem } from 'node:os';
import { BACKENDS, type BackendChoice } from './backend-names.ts';
import { DEFAULT_CHECK_OPTIONS, type CheckInfo, type CheckOptions } from './check.ts';
import { UsageError } from './errors.ts';
import { SUITES, type SuiteId } from './result.ts';

export const FORMATS = ['html', 'json', 'junit'] as const;
export type ReportFormat = (typeof FORMATS)[number];

/** Suites run when --suites is not given: everything but the long training run. */
export const DEFAULT_SUITES: readonly SuiteId[] = ['shape', 'gradient', 'stability', 'backend'];

export interface RunOptions extends CheckOptions {
  suites: SuiteId[];
  /** Only these check ids (empty: every check of the suites). */
  checks: string[];
  seed: number;
  backend: BackendChoice;
  /** Seconds a check may go without finishing or reporting progress. */
  timeoutSeconds: number;
  reportDir: string;
  formats: ReportFormat[];
  inputSize: number[] | null;
  exportName: string;
  verbose: boolean;
  /** Megabytes the check process may use (resident size, TensorFlow.js's tensors, JavaScript heap). */
  memoryLimitMb: number;
}

/** The default memory limit: half of this machine's memory, at least 1 GB, in MB (a multiple of 256). */
export function defaultMemoryLimitMb(totalBytes = totalmem()): number {
  return Math.max(1024, Math.floor(totalBytes / 2 / (1024 * 1024) / 256) * 256);
}

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  ...DEFAULT_CHECK_OPTIONS,
  suites: [...DEFAULT_SUITES],
  checks: [],
  seed: 1,
  backend: 'cpu',
  timeoutSeconds: 120,
  reportDir: 'check-layer-report',
  formats: ['html', 'json'],
  inputSize: null,
  exportName: 'default',
  verbose: false,
  memoryLimitMb: defaultMemoryLimitMb(),
};

/** Splits "a,b c" and arrays of such into trimmed, non-empty items. */
export function listOf(v: unknown): string[] {
  const items = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return items
    .flatMap((x) => String(x).split(/[,\s]+/))
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseSuites(v: unknown): SuiteId[] {
  const items = listOf(v);
  if (items.length === 0) return [...DEFAULT_SUITES];
  if (items.includes('all')) return [...SUITES];
  for (const s of items) {
    if (!(SUITES as readonly string[]).includes(s)) {
      throw new UsageError(`--suites: unknown suite "${s}"; choose from ${SUITES.join(', ')} or all`);
    }
  }
  return SUITES.filter((s) => items.includes(s));
}

export function parseChecks(v: unknown, all: readonly CheckInfo[]): string[] {
  const items = listOf(v);
  const ids = all.map((c) => c.id);
  for (const id of items) {
    if (!ids.includes(id)) {
      const near = ids.filter((x) => x.toLowerCase().includes(id.toLowerCase().slice(0, 6)));
      throw new UsageError(
        `--checks: unknown check "${id}"${near.length ? `; did you mean ${near.slice(0, 3).join(', ')}?` : '; run check-layer --list-checks to see them'}`,
      );
    }
  }
  return items;
}

export function parseInputSize(v: unknown, option = '--input-size'): number[] | null {
  if (v === undefined || v === null || v === '') return null;
  const parts = Array.isArray(v)
    ? v.map(String)
    : String(v)
        .split(/[,x\s]+/)
        .filter(Boolean);
  const nums = parts.map((p) => Number(p));
  if (parts.length === 0 || nums.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new UsageError(
      `${option}: "${Array.isArray(v) ? v.join(',') : String(v)}" is not a size; give positive whole numbers such as 24,24,20 (height, width, channels)`,
    );
  }
  return nums;
}

export function parseBackend(v: unknown): BackendChoice {
  const s = String(v ?? 'cpu');
  if (s === 'auto' || (BACKENDS as readonly string[]).includes(s)) return s as BackendChoice;
  throw new UsageError(`--backend: unknown backend "${s}"; choose cpu, wasm, webgpu or auto`);
}

export function parseFormats(v: unknown): ReportFormat[] {
  const items = listOf(v);
  if (items.length === 0) return [...DEFAULT_RUN_OPTIONS.formats];
  for (const f of items) {
    if (!(FORMATS as readonly string[]).includes(f))
      throw new UsageError(`--format: unknown format "${f}"; choose from ${FORMATS.join(', ')}`);
  }
  return FORMATS.filter((f) => items.includes(f));
}

export function parseNumber(v: unknown, option: string, { min, integer }: { min: number; integer?: boolean }): number {
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${option}: "${String(v)}" is not valid; give a${integer ? ' whole' : ''} number >= ${min}`);
  }
  return n;
}

/** Loose options (from yargs or a user's code) to a resolved RunOptions. */
export function resolveRunOptions(
  loose: Partial<Record<keyof RunOptions, unknown>>,
  allChecks: readonly CheckInfo[],
): RunOptions {
  const d = DEFAULT_RUN_OPTIONS;
  const has = (k: keyof RunOptions) => loose[k] !== undefined && loose[k] !== null;
  const checks = parseChecks(loose.checks, allChecks);
  // Naming checks selects their suites too.
  const suites = has('suites')
    ? parseSuites(loose.suites)
    : checks.length
      ? [...new Set(checks.map((id) => allChecks.find((c) => c.id === id)!.suite))]
      : [...d.suites];
  return {
    suites,
    checks,
    seed: has('seed') ? parseNumber(loose.seed, '--seed', { min: 0, integer: true }) : d.seed,
    backend: has('backend') ? parseBackend(loose.backend) : d.backend,
    timeoutSeconds: has('timeoutSeconds')
      ? parseNumber(loose.timeoutSeconds, '--timeout', { min: 1 })
      : d.timeoutSeconds,
    reportDir: has('reportDir') ? String(loose.reportDir) : d.reportDir,
    formats: has('formats') ? parseFormats(loose.formats) : [...d.formats],
    inputSize: parseInputSize(loose.inputSize),
    exportName: has('exportName') ? String(loose.exportName) : d.exportName,
    verbose: loose.verbose === true,
    memoryLimitMb: has('memoryLimitMb')
      ? parseNumber(loose.memoryLimitMb, '--memory-limit', { min: 256, integer: true })
      : d.memoryLimitMb,
    exhaustive: loose.exhaustive === true,
    epochs: has('epochs') ? parseNumber(loose.epochs, '--epochs', { min: 1, integer: true }) : d.epochs,
    trainSize: has('trainSize')
      ? parseNumber(loose.trainSize, '--train-size', { min: 128, integer: true })
      : d.trainSize,
    testSize: has('testSize') ? parseNumber(loose.testSize, '--test-size', { min: 10, integer: true }) : d.testSize,
    trainBackend: has('trainBackend') ? parseBackend(loose.trainBackend) : d.trainBackend,
    trainWorkers: has('trainWorkers')
      ? parseNumber(loose.trainWorkers, '--workers', { min: 1, integer: true })
      : d.trainWorkers,
    compareBackends: [...d.compareBackends],
  };
}

/** The checks a run will do, in order. */
export function selectChecks<C extends CheckInfo>(
  all: readonly C[],
  options: Pick<RunOptions, 'suites' | 'checks'>,
): C[] {
  if (options.checks.length) return all.filter((c) => options.checks.includes(c.id));
  return all.filter((c) => options.suites.includes(c.suite));
}

/** The options a replay command needs to repeat a check, as CLI flags. */
export function replayFlags(o: RunOptions): string[] {
  const flags = [`--seed ${o.seed}`, `--backend ${o.backend}`];
  if (o.inputSize) flags.push(`--input-size ${o.inputSize.join(',')}`);
  if (o.exportName !== 'default') flags.push(`--export ${o.exportName}`);
  if (o.exhaustive) flags.push('--exhaustive');
  if (o.suites.includes('training')) {
    if (o.epochs !== d().epochs) flags.push(`--epochs ${o.epochs}`);
    if (o.trainSize !== d().trainSize) flags.push(`--train-size ${o.trainSize}`);
    if (o.testSize !== d().testSize) flags.push(`--test-size ${o.testSize}`);
    if (o.trainWorkers !== d().trainWorkers) flags.push(`--workers ${o.trainWorkers}`);
  }
  return flags;
}
const d = () => DEFAULT_RUN_OPTIONS;
