/**
 * Options, resolved once at the edge: loose values from the command line or the programmatic API
 * in, a fully typed object out, and a one-line `UsageError` naming the option and the fix.
 *
 * `OPTIONS` below is the one table of them: flag, type, default, bounds (its `parse`) and
 * description. The check command's and the train command's flags (entry/cli-options.ts), the
 * programmatic API and describeLayer (`API_OPTION_KEYS`), `resolveRunOptions` and the replay
 * command (harness/replay.ts) all read it.
 *
 * Adding an option is a one-entry change: add its field to `RunOptions` (or `CheckOptions`), then
 * its entry to `OPTIONS` (TypeScript fails until there is one). Give it `flag` for the CLI, `replay`
 * if it changes a check's result (the replay command then carries it), and list its key in
 * `API_OPTION_KEYS` (with its type in `ApiOptionValues`) if checkLayer and describeLayer take it.
 */
import { availableParallelism, totalmem } from 'node:os';
import { BACKENDS, type BackendChoice } from './backend-names.ts';
import { CHECK_IDS, suiteOf, type CatalogEntry, type CheckId } from './catalog.ts';
import { DEFAULT_CHECK_OPTIONS, type CheckOptions } from './check.ts';
import { UsageError } from './errors.ts';
import { SUITES, type SuiteId } from './result.ts';

export const FORMATS = ['html', 'json', 'junit'] as const;
export type ReportFormat = (typeof FORMATS)[number];

/** Suites run when --suites is not given: everything but the long training run. */
export const DEFAULT_SUITES: readonly SuiteId[] = ['shape', 'gradient', 'stability', 'backend'];

export interface RunOptions extends CheckOptions {
  suites: SuiteId[];
  /** Only these check ids (empty: every check of the suites). */
  checks: CheckId[];
  seed: number;
  backend: BackendChoice;
  /** Seconds a check may go without finishing or reporting progress. */
  timeoutSeconds: number;
  reportDir: string;
  formats: ReportFormat[];
  inputSize: InputSize | null;
  exportName: string;
  verbose: boolean;
  /** Megabytes the check process may use (resident size, TensorFlow.js's tensors, JavaScript heap). */
  memoryLimitMb: number;
  /** Layer files checked at the same time, each in its own check process; null: `defaultJobs`. */
  jobs: number | null;
  /** This machine's share of the layer files (`shardFiles`); null: every file. */
  shard: Shard | null;
}

/** `--shard 2/4`: the second of four shares, 1-based as in Playwright. */
export interface Shard {
  index: number;
  total: number;
  /**
   * How many layer files the whole sharded run has (every shard's), set by the CLI once it has
   * the files: kept in each report's options so that merge-reports can tell a missing shard.
   */
  files?: number;
}

/** At most this many check processes at once: each holds its own TensorFlow.js (about 300 MB). */
export const MAX_JOBS = 32;
/** At most this many shards. */
export const MAX_SHARDS = 1000;

/**
 * `--jobs` when not given: half the cores (at least one), as Playwright's workers, since the count
 * includes hyper-threads and the checks of one file keep one core busy; one when the training suite
 * runs, which already trains on every core (`--workers`). Never more than the files.
 */
export function defaultJobs(options: Pick<RunOptions, 'suites' | 'checks'>, cores = availableParallelism()): number {
  const training = options.checks.length
    ? options.checks.some((id) => suiteOf(id) === 'training')
    : options.suites.includes('training');
  return training ? 1 : Math.max(1, Math.floor(cores / 2));
}

/** The number of check processes for `fileCount` files: the option, else its default, never more than the files. */
export function effectiveJobs(options: Pick<RunOptions, 'suites' | 'checks' | 'jobs'>, fileCount: number): number {
  return Math.max(1, Math.min(fileCount, options.jobs ?? defaultJobs(options)));
}

/** The default memory limit: half of this machine's memory, at least 1 GB, in MB (a multiple of 256). */
export function defaultMemoryLimitMb(totalBytes = totalmem()): number {
  return Math.max(1024, Math.floor(totalBytes / 2 / (1024 * 1024) / 256) * 256);
}

/** Seeds are unsigned 32-bit: larger ones would alias smaller ones. */
export const MAX_SEED = 2 ** 32 - 1;
/** A day: above it Node's timers overflow (2^31 - 1 ms is 24.8 days) and nothing useful waits that long. */
export const MAX_TIMEOUT_SECONDS = 24 * 60 * 60;

export interface OptionSpec<K extends keyof RunOptions> {
  /** The command-line flag without its dashes; null for an option the CLI does not take. */
  flag: string | null;
  /** What --help shows as the value's type. */
  type: 'string' | 'number' | 'boolean';
  describe: string;
  default: RunOptions[K];
  /** The default as --help shows it (omitted: the default's own text; '' shows none). */
  defaultText?: string;
  /** A loose value (command-line text or an API value) to a checked one; throws a UsageError naming `name`. */
  parse(value: unknown, name: string): RunOptions[K];
  /**
   * Whether the replay command of `check` must carry this option, given the run's options (those
   * that change a check's result: seed, backend, sizes, training settings, a raised timeout).
   */
  replay?(options: RunOptions, check: CatalogEntry): boolean;
}

const trainingCheck = (_o: RunOptions, check: CatalogEntry) => check.suite === 'training';

export const OPTIONS: { readonly [K in keyof RunOptions]: OptionSpec<K> } = {
  suites: {
    flag: 'suites',
    type: 'string',
    describe: `Suites to run, comma-separated: ${SUITES.join(', ')}, or all`,
    default: [...DEFAULT_SUITES],
    parse: parseSuites,
  },
  checks: {
    flag: 'checks',
    type: 'string',
    describe: 'Only these check ids, comma-separated (see --list-checks)',
    default: [],
    defaultText: '',
    parse: parseChecks,
  },
  seed: {
    flag: 'seed',
    type: 'number',
    describe: 'Seed for every random choice; a failure replays with the same seed',
    default: 1,
    parse: (v, name) => parseWhole(v, name, 0, MAX_SEED),
    replay: () => true,
  },
  backend: {
    flag: 'backend',
    type: 'string',
    describe: 'Where the checks run: cpu (the reference), wasm, webgpu, or auto (webgpu on a GPU, else wasm)',
    default: 'cpu',
    parse: parseBackend,
    replay: () => true,
  },
  timeoutSeconds: {
    flag: 'timeout',
    type: 'number',
    describe: 'Seconds a check may run without finishing or reporting progress before it is stopped and failed',
    default: 120,
    parse: (v, name) => parseWhole(v, name, 1, MAX_TIMEOUT_SECONDS),
    replay: (o) => o.timeoutSeconds !== OPTIONS.timeoutSeconds.default,
  },
  reportDir: {
    flag: 'report-dir',
    type: 'string',
    describe: 'Folder for the reports',
    default: 'check-layer-report',
    parse: parseText,
  },
  formats: {
    flag: 'format',
    type: 'string',
    describe: `Report formats, comma-separated: ${FORMATS.join(', ')}`,
    default: ['html', 'json'],
    parse: parseFormats,
  },
  inputSize: {
    flag: 'input-size',
    type: 'string',
    describe:
      "Size of one observation, e.g. 24,24,20 (overrides the file's inputSize export); a layer with several inputs: once per input, --input-size 4,4,3 --input-size 4,4,3",
    default: null,
    defaultText: '',
    parse: parseInputSize,
    replay: (o) => o.inputSize !== null,
  },
  exportName: {
    flag: 'export',
    type: 'string',
    describe: 'Use this named export instead of the default export',
    default: 'default',
    defaultText: '',
    parse: parseText,
    replay: (o) => o.exportName !== OPTIONS.exportName.default,
  },
  verbose: {
    flag: 'verbose',
    type: 'boolean',
    describe: 'Show stack traces and every detail',
    default: false,
    defaultText: '',
    parse: parseBoolean,
  },
  exhaustive: {
    flag: 'exhaustive',
    type: 'boolean',
    describe: 'Gradient suite: check every element, not a sample',
    default: DEFAULT_CHECK_OPTIONS.exhaustive,
    defaultText: '',
    parse: parseBoolean,
    replay: (o) => o.exhaustive,
  },
  strictStability: {
    flag: 'strict',
    type: 'boolean',
    describe:
      'Stability suite: NaN and dishonest Infinity at extreme inputs (1e10 and up, and the mixed tensor holding them) fail instead of warning',
    default: DEFAULT_CHECK_OPTIONS.strictStability,
    defaultText: '',
    parse: parseBoolean,
    replay: (o) => o.strictStability,
  },
  epochs: {
    flag: 'epochs',
    type: 'number',
    describe: 'Training suite: epochs',
    default: DEFAULT_CHECK_OPTIONS.epochs,
    parse: (v, name) => parseWhole(v, name, 1),
    replay: (o, c) => trainingCheck(o, c) && o.epochs !== OPTIONS.epochs.default,
  },
  trainSize: {
    flag: 'train-size',
    type: 'number',
    describe: 'Training suite: training digits',
    default: DEFAULT_CHECK_OPTIONS.trainSize,
    parse: (v, name) => parseWhole(v, name, 128),
    replay: (o, c) => trainingCheck(o, c) && o.trainSize !== OPTIONS.trainSize.default,
  },
  testSize: {
    flag: 'test-size',
    type: 'number',
    describe: 'Training suite: test digits',
    default: DEFAULT_CHECK_OPTIONS.testSize,
    parse: (v, name) => parseWhole(v, name, 10),
    replay: (o, c) => trainingCheck(o, c) && o.testSize !== OPTIONS.testSize.default,
  },
  trainBackend: {
    flag: 'train-backend',
    type: 'string',
    describe: 'Training suite: where to train (auto: webgpu on a GPU, else wasm)',
    default: DEFAULT_CHECK_OPTIONS.trainBackend,
    parse: parseBackend,
    replay: (o, c) => trainingCheck(o, c) && o.trainBackend !== OPTIONS.trainBackend.default,
  },
  trainWorkers: {
    flag: 'workers',
    type: 'number',
    describe:
      'Training suite: worker threads training on the CPU (data-parallel; shared by the layer and reference networks; the default is divided by --jobs)',
    default: DEFAULT_CHECK_OPTIONS.trainWorkers,
    defaultText: 'the cores, at most 8',
    parse: (v, name) => parseWhole(v, name, 1),
    replay: (o, c) => trainingCheck(o, c) && o.trainWorkers !== OPTIONS.trainWorkers.default,
  },
  memoryLimitMb: {
    flag: 'memory-limit',
    type: 'number',
    describe:
      "Megabytes each check process may use (resident size, TensorFlow.js's tensors, JavaScript heap); a check that goes past it fails and the run goes on; with --jobs N the default is divided by N",
    default: defaultMemoryLimitMb(),
    defaultText: `${defaultMemoryLimitMb()}: half of this machine's memory`,
    parse: (v, name) => parseWhole(v, name, 256),
  },
  jobs: {
    flag: 'jobs',
    type: 'number',
    describe: `Layer files checked at the same time, each in its own check process (1 to ${MAX_JOBS}); their console output is shown file by file`,
    default: null,
    defaultText: 'half the cores, 1 with the training suite',
    parse: (v, name) => parseWhole(v, name, 1, MAX_JOBS),
  },
  shard: {
    flag: 'shard',
    type: 'string',
    describe:
      "Check only this machine's share of the layer files, i/n (1-based), e.g. 2/4: the files sorted by path, every n-th from the i-th",
    default: null,
    defaultText: '',
    parse: parseShard,
  },
  compareBackends: {
    flag: null,
    type: 'string',
    describe: 'Backend suite: the backends compared against cpu',
    default: DEFAULT_CHECK_OPTIONS.compareBackends,
    parse: parseCompareBackends,
  },
};

export const OPTION_KEYS = Object.keys(OPTIONS) as (keyof RunOptions)[];

/** The options with a command-line flag. */
export const FLAG_KEYS = OPTION_KEYS.filter((k) => OPTIONS[k].flag !== null);

/** What checkLayer and describeLayer take for each option they accept (names, defaults and bounds: `OPTIONS`). */
export interface ApiOptionValues {
  /** Size of one observation, e.g. [24, 24, 20]; one per input for a layer with several: [[4, 4, 3], [4, 4, 3]]. */
  inputSize: InputSize;
  suites: SuiteId[] | 'all';
  checks: string[];
  seed: number;
  backend: BackendChoice;
  exhaustive: boolean;
  /** Stability suite: findings at extreme inputs fail instead of warning (default false). */
  strictStability: boolean;
  epochs: number;
  trainSize: number;
  testSize: number;
  trainBackend: BackendChoice;
  /** Training suite: worker threads training on the CPU (default: the cores, at most 8). */
  trainWorkers: number;
  /** A layer given as a file: which export is the layer (default: the default export). */
  exportName: string;
  /** A layer given as a file: seconds a check may run before it is stopped and failed (default 120). */
  timeoutSeconds: number;
  /** A layer given as a file: megabytes its check process may use (default: half of the machine's memory). */
  memoryLimitMb: number;
  /** Write reports into this folder (default: none are written). */
  reportDir: string;
  /** Report formats when `reportDir` is given (default html and json). */
  formats: ReportFormat[];
}

/** The options checkLayer and describeLayer take. */
export const API_OPTION_KEYS = [
  'inputSize',
  'suites',
  'checks',
  'seed',
  'backend',
  'exhaustive',
  'strictStability',
  'epochs',
  'trainSize',
  'testSize',
  'trainBackend',
  'trainWorkers',
  'exportName',
  'timeoutSeconds',
  'memoryLimitMb',
  'reportDir',
  'formats',
] as const satisfies readonly (keyof RunOptions & keyof ApiOptionValues)[];
// Every key of ApiOptionValues is in API_OPTION_KEYS (a key missing there fails to compile here).
const _everyApiKeyListed: Record<Exclude<keyof ApiOptionValues, (typeof API_OPTION_KEYS)[number]>, never> = {};
void _everyApiKeyListed;

/** The API options out of a caller's options object (which may hold other fields too). */
export function apiOptions(o: Partial<ApiOptionValues>): Partial<Record<keyof RunOptions, unknown>> {
  return Object.fromEntries(API_OPTION_KEYS.map((k) => [k, o[k]]));
}

export const DEFAULT_RUN_OPTIONS: RunOptions = defaults();

function defaults(): RunOptions {
  const o: Partial<Record<keyof RunOptions, unknown>> = {};
  for (const k of OPTION_KEYS) o[k] = structuredClone(OPTIONS[k].default);
  return o as RunOptions;
}

/** `--seed` for an option's flag, else its name. */
export const optionName = (k: keyof RunOptions): string => {
  const flag = OPTIONS[k].flag;
  return flag ? `--${flag}` : k;
};

/**
 * Loose options (from yargs or a user's code) to resolved RunOptions; undefined or null takes the
 * default. `flags` renames an option's flag in messages (the train command's `--backend`).
 */
export function resolveRunOptions(
  loose: Partial<Record<keyof RunOptions, unknown>>,
  flags: Partial<Record<keyof RunOptions, string>> = {},
): RunOptions {
  const resolved = defaults();
  const given = (k: keyof RunOptions) => loose[k] !== undefined && loose[k] !== null;
  for (const k of OPTION_KEYS) {
    if (given(k)) setOption(resolved, k, loose[k], flags[k] ? `--${flags[k]}` : optionName(k));
  }
  // Naming checks selects their suites too.
  if (!given('suites') && resolved.checks.length) resolved.suites = [...new Set(resolved.checks.map(suiteOf))];
  return resolved;
}

function setOption<K extends keyof RunOptions>(o: RunOptions, k: K, value: unknown, name: string): void {
  o[k] = OPTIONS[k].parse(value, name);
}

/** The checks a run will do, in order, out of `all` (the catalog, or the checks' implementations). */
export function selectChecks<C extends CatalogEntry>(
  all: readonly C[],
  options: Pick<RunOptions, 'suites' | 'checks'>,
): C[] {
  const ids: readonly string[] = options.checks;
  if (ids.length) return all.filter((c) => ids.includes(c.id));
  return all.filter((c) => options.suites.includes(c.suite));
}

// ---- parsers: each names the option and says what it takes ----

/** The user's value as they typed it, for messages. */
const shown = (v: unknown) => (Array.isArray(v) ? v.map(String).join(',') : String(v));

/** Empty text (`--seed ""`, or a flag given without its value) is an error, never the default. */
function rejectEmpty(v: unknown, name: string, example: string): void {
  if (typeof v === 'string' && v.trim() === '') throw new UsageError(`${name}: empty value; give ${example}`);
}

/**
 * Splits "a,b c" and arrays of such into trimmed items; empty text or an empty item ("4,,4") is an
 * error naming `name`. An empty array (from the API) gives no items.
 */
function itemsOf(v: unknown, name: string, example: string, separators = /\s*,\s*|\s+/): string[] {
  rejectEmpty(v, name, example);
  const items = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).trim().split(separators));
  if (items.some((s) => s === '')) throw new UsageError(`${name}: "${shown(v)}" has an empty item; give ${example}`);
  return items;
}

export function parseSuites(v: unknown, name = '--suites'): SuiteId[] {
  const choices = `${SUITES.join(', ')} or all`;
  const items = itemsOf(v, name, `suites from ${choices}`);
  if (items.length === 0) return [...DEFAULT_SUITES];
  if (items.includes('all')) return [...SUITES];
  for (const s of items) {
    if (!(SUITES as readonly string[]).includes(s))
      throw new UsageError(`${name}: unknown suite "${s}"; choose from ${choices}`);
  }
  return SUITES.filter((s) => items.includes(s));
}

export function parseChecks(v: unknown, name = '--checks'): CheckId[] {
  const items = itemsOf(v, name, 'check ids such as gradientsAreNumericallyCorrect (see check-layer --list-checks)');
  const ids: readonly string[] = CHECK_IDS;
  for (const id of items) {
    if (!ids.includes(id)) {
      const near = ids.filter((x) => x.toLowerCase().includes(id.toLowerCase().slice(0, 6)));
      throw new UsageError(
        `${name}: unknown check "${id}"${near.length ? `; did you mean ${near.slice(0, 3).join(', ')}?` : '; run check-layer --list-checks to see them'}`,
      );
    }
  }
  return items as CheckId[];
}

/**
 * One size (`24,24,20`, `[24, 24, 20]`), or one per input: the flag given once per input (yargs
 * hands a list of texts), sizes separated by `;` (`4,4,3;4,4,3`), or a list of lists.
 */
export function parseInputSize(v: unknown, name = '--input-size'): InputSize {
  const groups = sizeGroups(v);
  if (groups.length === 1) return parseOneSize(groups[0], name);
  return groups.map((g, i) => parseOneSize(g, `${name} (size ${i + 1} of ${groups.length})`));
}

function sizeGroups(v: unknown): unknown[] {
  if (Array.isArray(v) && v.length > 1 && v.every((g) => Array.isArray(g) || typeof g === 'string')) return v;
  if (Array.isArray(v) && v.length === 1 && Array.isArray(v[0])) return [v[0]];
  if (typeof v === 'string' && v.includes(';')) return v.split(';');
  return [v];
}

/** Sizes of one observation: one size, or one per input. */
export type InputSize = number[] | number[][];

/** The sizes as a list, one per input. */
export function inputSizesOf(size: InputSize): number[][] {
  return Array.isArray(size[0]) ? (size as number[][]) : [size as number[]];
}

/** The size as text, as the command line takes it: `4,4,3` or `4,4,3;4,4,3`. */
export function inputSizeText(size: InputSize): string {
  return Array.isArray(size[0]) ? (size as number[][]).map((s) => s.join(',')).join(';') : (size as number[]).join(',');
}

function parseOneSize(v: unknown, name: string): number[] {
  const example = 'positive whole numbers such as 24,24,20 (height, width, channels)';
  const notASize = () => new UsageError(`${name}: "${shown(v)}" is not a size; give ${example}`);
  let items: string[];
  try {
    items = itemsOf(v, name, example, /\s*[,x]\s*|\s+/);
  } catch (e) {
    if (typeof v === 'string' && v.trim() === '') throw e;
    throw notASize();
  }
  if (items.length === 0 || items.some((s) => !/^\d+$/.test(s) || Number(s) <= 0 || !Number.isSafeInteger(Number(s))))
    throw notASize();
  return items.map(Number);
}

export function parseBackend(v: unknown, name = '--backend'): BackendChoice {
  const s = String(v);
  if (s === 'auto' || (BACKENDS as readonly string[]).includes(s)) return s as BackendChoice;
  throw new UsageError(`${name}: unknown backend "${s}"; choose cpu, wasm, webgpu or auto`);
}

function parseCompareBackends(v: unknown, name: string): CheckOptions['compareBackends'] {
  const items = itemsOf(v, name, 'backends among wasm, webgpu');
  for (const b of items)
    if (b !== 'wasm' && b !== 'webgpu')
      throw new UsageError(`${name}: "${b}" cannot be compared with cpu; choose wasm, webgpu`);
  return items as CheckOptions['compareBackends'];
}

export function parseFormats(v: unknown, name = '--format'): ReportFormat[] {
  const items = itemsOf(v, name, `formats among ${FORMATS.join(', ')}`);
  if (items.length === 0) return [...OPTIONS.formats.default];
  for (const f of items) {
    if (!(FORMATS as readonly string[]).includes(f))
      throw new UsageError(`${name}: unknown format "${f}"; choose from ${FORMATS.join(', ')}`);
  }
  return FORMATS.filter((f) => items.includes(f));
}

/** A whole number in [min, max], written as digits (no 1e3, 0x10 or empty text). */
export function parseWhole(v: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  rejectEmpty(v, name, `a whole number ${range}`);
  const text = String(v).trim();
  const n = typeof v === 'number' ? v : /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name}: "${shown(v)}" is not valid; give a whole number ${range}`);
  return n;
}

/** `i/n` with 1 <= i <= n <= MAX_SHARDS. */
export function parseShard(v: unknown, name = '--shard'): Shard {
  const example = `i/n with 1 <= i <= n <= ${MAX_SHARDS}, e.g. 1/4 for the first of four machines`;
  rejectEmpty(v, name, example);
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(v));
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || index < 1 || total < 1 || index > total || total > MAX_SHARDS)
    throw new UsageError(`${name}: "${shown(v)}" is not a shard; give ${example}`);
  return { index, total };
}

function parseText(v: unknown, name: string): string {
  rejectEmpty(v, name, 'a value');
  if (typeof v !== 'string') throw new UsageError(`${name}: expected text, got ${typeof v}`);
  return v;
}

function parseBoolean(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new UsageError(`${name}: expected true or false, got ${shown(v)}`);
  return v;
}
