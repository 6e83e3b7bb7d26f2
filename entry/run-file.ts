/**
 * Runs one layer file's checks in the check process (a child process, see check-process.ts), so
 * a layer that never returns, ends its process or runs away with memory can be stopped and
 * named: the check it was in is recorded as failed, the process is replaced, and a new one
 * carries on with the remaining checks. The layer's console output is passed on line by line.
 */
import path from 'node:path';
import { escapeControl } from '../harness/control-chars.ts';
import type { RunOptions } from '../harness/options.ts';
import type { CheckResult, EnvironmentInfo, LayerInfo, RunResult } from '../harness/result.ts';
import { assembleRun, unknownLayer } from './assemble-run.ts';
import { catalogEntry, isCheckId } from '../harness/catalog.ts';
import { raisedTimeout, replayCommand } from '../harness/replay.ts';
import { CheckProcess, type MemoryOverrun, type ProcessEnd } from './check-process.ts';
import type { WorkerInput, WorkerMessage } from './worker-protocol.ts';

export interface RunFileHooks {
  onLoaded?: (layer: LayerInfo, environment: EnvironmentInfo) => void;
  onStart?: (id: string) => void;
  onProgress?: (id: string, line: string) => void;
  onResult?: (r: CheckResult) => void;
  /** A line the layer wrote (console.log and console.error, native output), as it comes. */
  onOutput?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** A line the layer printed, shown with its file so it is not taken for check-layer's own output. */
export function layerOutputLine(file: string, line: string): string {
  return `  [${path.basename(file)}] ${escapeControl(line)}`;
}

/** Starting the check process (Node, tsx, TensorFlow.js, the checks) and entering the backend: our code, not the layer's. */
export const START_ALLOWANCE_MS = 120_000;

/** A time limit for the whole run (describeLayer's `timeout`), on top of each check's `--timeout`. */
export interface RunDeadline {
  /** Milliseconds from the moment the layer file starts loading (the process's own start is not counted). */
  ms: number;
  /** How messages name it, e.g. "describeLayer's timeout (5000 ms)". */
  label: string;
}

export interface RunFileControl {
  /** Where the check process lives; by default one shared by every caller that names none (closeWorker ends it). */
  slot?: CheckProcessSlot;
  deadline?: RunDeadline;
}

export async function runFileIsolated(
  file: string,
  options: RunOptions,
  checkIds: string[],
  hooks: RunFileHooks = {},
  control: RunFileControl = {},
): Promise<RunResult> {
  const slot = control.slot ?? defaultSlot;
  const clock: RunClock = { deadline: control.deadline ?? null, endsAt: null };
  const startedAt = new Date();
  const results: CheckResult[] = [];
  let layer: LayerInfo = unknownLayer(file, options.exportName, options.inputSize);
  let environment: EnvironmentInfo | null = null;
  let remaining = [...checkIds];
  let firstLoad = true;
  const record = (r: CheckResult) => {
    results.push(r);
    remaining = remaining.filter((id) => id !== r.id);
    hooks.onResult?.(r);
  };

  const processHooks: ProcessHooks = {
    onLoaded: (l, env) => {
      layer = l;
      environment = env;
      if (firstLoad) hooks.onLoaded?.(l, env);
      firstLoad = false;
    },
    onStart: hooks.onStart,
    onProgress: hooks.onProgress,
    onResult: record,
    onOutput: hooks.onOutput,
  };
  while (true) {
    const input = { file, options, checkIds: remaining, earlier: results };
    const outcome = await runInProcess(slot, clock, input, options, processHooks);
    if (outcome.kind === 'done') break;
    // Only a process that ran other files asks for this; the new one has run none.
    if (outcome.kind === 'fresh-process') continue;
    const run = (loadError?: { message: string }, env = environment) =>
      assembleRun({
        startedAt,
        options,
        layer,
        environment: env,
        checks: results,
        ...(loadError ? { loadError } : {}),
      });
    if (outcome.kind === 'load-error') return run({ message: outcome.message }, outcome.environment ?? environment);
    const id = outcome.current;
    const cause = describeStop(outcome, options, clock);
    if (!id) return run({ message: `${file}: ${cause.whileLoading}` });
    for (const r of stoppedCheck(file, options, clock, outcome, id, cause, remaining)) record(r);
    if (remaining.length === 0) break;
  }
  return assembleRun({ startedAt, options, layer, environment, checks: results });
}

/**
 * The check a stopped process was running fails with the cause (its replay with a raised
 * timeout where time was the cause); when the run's own time is spent, the checks not reached
 * are incomplete.
 */
function stoppedCheck(
  file: string,
  options: RunOptions,
  clock: RunClock,
  outcome: Extract<Outcome, { current: string | null }>,
  id: string,
  cause: ReturnType<typeof describeStop>,
  remaining: readonly string[],
): CheckResult[] {
  if (!isCheckId(id)) throw new Error(`the check process ran "${id}", which is not in the catalog`);
  const entry = catalogEntry(id);
  const out: CheckResult[] = [
    {
      id,
      suite: entry.suite,
      status: 'failed',
      message: `${id}: ${cause.inCheck}`,
      durationMs: outcome.elapsedMs,
      where: {},
      replay: replayCommand(
        file,
        entry,
        cause.raiseTimeout ? { ...options, timeoutSeconds: raisedTimeout(options) } : options,
      ),
    },
  ];
  if (outcome.kind === 'timeout' && outcome.deadline) {
    // The run's own time is spent: the checks not reached are not judged.
    for (const rest of remaining) {
      if (rest === id || !isCheckId(rest)) continue;
      const e = catalogEntry(rest);
      out.push({
        id: rest,
        suite: e.suite,
        status: 'incomplete',
        message: `${rest}: not run: ${clock.deadline?.label ?? "the run's time limit"} ran out during ${id}`,
        durationMs: 0,
        where: {},
        replay: replayCommand(file, e, options),
      });
    }
  }
  return out;
}

type Outcome =
  | { kind: 'done' }
  | { kind: 'fresh-process' }
  | { kind: 'load-error'; message: string; environment: EnvironmentInfo | null }
  | { kind: 'timeout'; current: string | null; elapsedMs: number; starting: boolean; deadline: boolean }
  | { kind: 'memory'; current: string | null; elapsedMs: number; overrun: MemoryOverrun }
  | { kind: 'ended'; current: string | null; elapsedMs: number; end: ProcessEnd };

/** What stopped the process, said for a check and for loading. */
function describeStop(
  o: Exclude<Outcome, { kind: 'done' } | { kind: 'load-error' } | { kind: 'fresh-process' }>,
  options: RunOptions,
  clock: RunClock,
): { inCheck: string; whileLoading: string; raiseTimeout: boolean } {
  switch (o.kind) {
    case 'timeout':
      if (o.deadline && clock.deadline)
        return {
          inCheck: `did not finish: ${clock.deadline.label} ran out during this check (stopped; does predict, forward or backward loop forever?); raise it if the layer is just slow`,
          whileLoading: `loading the layer did not finish: ${clock.deadline.label} ran out (stopped; does the file or the constructor loop forever?); raise it if the layer is just slow`,
          raiseTimeout: false,
        };
      if (o.starting)
        return {
          inCheck: 'the check process did not start',
          whileLoading: `the check process did not start within ${START_ALLOWANCE_MS / 1000} s (is the machine overloaded?)`,
          raiseTimeout: false,
        };
      return {
        inCheck: `did not finish within ${options.timeoutSeconds} s (stopped; does predict, forward or backward loop forever?); raise --timeout if the layer is just slow`,
        whileLoading: `loading the layer did not finish within ${options.timeoutSeconds} s (stopped; does the file or the constructor loop forever?); raise --timeout if it is just slow`,
        raiseTimeout: true,
      };
    case 'memory': {
      const seen = `resident ${Math.round(o.overrun.rssMb)} MB${o.overrun.tfMb >= 1 ? `, TensorFlow.js tensors ${Math.round(o.overrun.tfMb)} MB` : ''}`;
      const advice =
        'does the layer keep tensors (tf.keep, tensors made outside tf.tidy and never disposed), or is the input size too large? raise --memory-limit if it really needs more';
      return {
        inCheck: `used more than ${o.overrun.limitMb} MB (${seen}; stopped); ${advice}`,
        whileLoading: `loading the layer used more than ${o.overrun.limitMb} MB (${seen}; stopped); ${advice}`,
        raiseTimeout: false,
      };
    }
    case 'ended': {
      const e = o.end;
      if (e.heapExhausted)
        return {
          inCheck: `used more than ${options.memoryLimitMb} MB of JavaScript heap (stopped); does the layer keep growing arrays or objects? raise --memory-limit if it really needs more`,
          whileLoading: `loading the layer used more than ${options.memoryLimitMb} MB of JavaScript heap (stopped)`,
          raiseTimeout: false,
        };
      const what =
        e.said?.kind === 'exit'
          ? `the layer called process.exit(${e.said.code})`
          : e.said?.kind === 'uncaught'
            ? `an error thrown outside any check ended the process (${e.said.message}); a timer or promise the layer left behind?`
            : e.signal
              ? `the check process was ended by signal ${e.signal}${e.signal === 'SIGKILL' ? ' (killed from outside, or by the system for lack of memory)' : ' (sent by the layer, or from outside)'}`
              : `the check process exited with code ${e.code} on its own`;
      return {
        inCheck: `${what} during this check`,
        whileLoading: `${what} while the file was loading`,
        raiseTimeout: false,
      };
    }
  }
}

/**
 * Where a run's check process lives. A slot holds one process that loads TensorFlow.js once and
 * takes files one by one. It is replaced only when it is stopped (a hang, memory) or ends (the
 * layer ended it), and after a file that left it holding more than half the memory limit. The
 * CLI has one slot per lane (`--jobs`, entry/run-files.ts); `checkLayer` gives each call a slot of
 * its own (calls may overlap).
 */
export class CheckProcessSlot {
  private process: CheckProcess | null = null;
  /** Highest resident size of any check process of this slot (bytes). */
  private peak = 0;

  get(memoryLimitMb: number): CheckProcess {
    if (this.process?.alive && this.process.memoryLimitMb === memoryLimitMb) return this.process;
    this.retire();
    this.process = new CheckProcess(memoryLimitMb);
    return this.process;
  }

  /** Stops the process (if any); the next get() starts a fresh one. */
  retire(): void {
    if (!this.process) return;
    this.peak = Math.max(this.peak, this.process.peakRss);
    this.process.stop('closed');
    this.process = null;
  }

  /** Retires the process if it is still this one. */
  retireIf(p: CheckProcess): void {
    if (this.process === p) this.retire();
  }

  get peakRss(): number {
    return Math.max(this.peak, this.process?.peakRss ?? 0);
  }
}

/** The slot of callers that name none (test support's runs through the CLI's path). */
const defaultSlot = new CheckProcessSlot();

/** Ends the default slot's process. */
export function closeWorker(): void {
  defaultSlot.retire();
}

/** The run's deadline, set when the layer file first starts loading. */
interface RunClock {
  deadline: RunDeadline | null;
  endsAt: number | null;
}

type ProcessHooks = Required<Pick<RunFileHooks, 'onLoaded' | 'onResult'>> & RunFileHooks;

function runInProcess(
  slot: CheckProcessSlot,
  clock: RunClock,
  input: WorkerInput,
  options: RunOptions,
  hooks: ProcessHooks,
): Promise<Outcome> {
  const p = slot.get(options.memoryLimitMb);
  return new Promise((resolve) => {
    const run = new ProcessRun(slot, p, clock, options, hooks, resolve);
    p.on({
      message: (m) => run.onMessage(m),
      output: (stream, line) => hooks.onOutput?.(stream, line),
      memory: (overrun) => run.finish({ kind: 'memory', current: run.current, elapsedMs: run.elapsed(), overrun }),
      end: (end) => run.finish({ kind: 'ended', current: run.current, elapsedMs: run.elapsed(), end }),
    });
    run.arm();
    p.send({ type: 'run', input });
  });
}

/** One run in a check process: the check it is in, its timer, and how the run ends (once). */
class ProcessRun {
  current: string | null = null;
  /** Until 'loading', our own code runs (start, backend): a fixed allowance, not the layer's timeout. */
  private starting = true;
  private startedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private settled = false;
  private readonly timeoutMs: number;

  constructor(
    private readonly slot: CheckProcessSlot,
    private readonly p: CheckProcess,
    private readonly clock: RunClock,
    private readonly options: RunOptions,
    private readonly hooks: ProcessHooks,
    private readonly resolve: (o: Outcome) => void,
  ) {
    this.timeoutMs = options.timeoutSeconds * 1000;
  }

  elapsed(): number {
    return Date.now() - this.startedAt;
  }

  finish(o: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    const { p, slot } = this;
    if (o.kind === 'fresh-process') {
      // An earlier file's class holds this layer's className here: run the file again in a new process.
      slot.retireIf(p);
      this.resolve(o);
      return;
    }
    if (o.kind === 'done' || o.kind === 'load-error') {
      // Everything the layer printed for this file is passed on before the next file (or the end).
      void p.outputFlushed().then(() => {
        // A file that left the process holding much memory does not burden the next one.
        if (p.peakRss > (this.options.memoryLimitMb * 1024 * 1024) / 2) slot.retireIf(p);
        this.resolve(o);
      });
      return;
    }
    // Stopped or ended: make sure it is gone before a new one starts.
    if (o.kind === 'timeout') p.stop('timeout');
    const keepAlive = setInterval(() => {}, 1000);
    void p.whenEnded().then(() => {
      clearInterval(keepAlive);
      slot.retireIf(p);
      this.resolve(o);
    });
  }

  /** (Re)starts the timer: the start allowance, then the timeout per check, cut by the run's deadline. */
  arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const { starting, clock, timeoutMs } = this;
    const left = starting || clock.endsAt === null ? Infinity : Math.max(0, clock.endsAt - Date.now());
    const ms = starting ? Math.max(START_ALLOWANCE_MS, timeoutMs) : Math.min(timeoutMs, left);
    const deadline = ms === left && left < timeoutMs;
    this.timer = setTimeout(
      () => this.finish({ kind: 'timeout', current: this.current, elapsedMs: this.elapsed(), starting, deadline }),
      ms,
    );
  }

  onMessage(m: WorkerMessage): void {
    const { hooks, clock } = this;
    switch (m.type) {
      case 'loading':
        this.starting = false;
        this.startedAt = Date.now();
        if (clock.deadline && clock.endsAt === null) clock.endsAt = this.startedAt + clock.deadline.ms;
        this.arm();
        break;
      case 'loaded':
        hooks.onLoaded(m.layer, m.environment);
        break;
      case 'load-error':
        this.finish({ kind: 'load-error', message: m.message, environment: m.environment });
        break;
      case 'start':
        this.current = m.id;
        this.startedAt = Date.now();
        this.arm();
        hooks.onStart?.(m.id);
        break;
      case 'progress':
        this.arm();
        hooks.onProgress?.(m.id, m.line);
        break;
      case 'result':
        this.current = null;
        hooks.onResult(m.result);
        this.arm();
        break;
      case 'done':
        this.finish({ kind: 'done' });
        break;
      case 'fresh-process':
        this.finish({ kind: 'fresh-process' });
        break;
      case 'memory':
        break;
    }
  }
}
