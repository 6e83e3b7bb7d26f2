/**
 * The child process that runs layer files' checks, seen from the parent. A child process, not a
 * worker thread, so that everything a layer can do to its process is observable and stoppable:
 * `process.exit` and signals (the exit code and signal, plus a marker line naming the call), its
 * console output and native stderr (piped, passed on line by line; Dawn's adapter warnings
 * dropped), its resident size (read from outside, so a layer holding the event loop is still
 * measured) and its JavaScript heap (limited with --max-old-space-size). TensorFlow.js is loaded
 * only there; the parent never loads it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  FLUSH_LINE,
  STDERR_MARK,
  type MemorySample,
  type WorkerMessage,
  type WorkerRequest,
} from './worker-protocol.ts';

const ENTRY = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));
const MB = 1024 * 1024;

/** How the process ended, as the parent saw it. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the process said about its own end (process.exit(code), an uncaught error), if anything. */
  said: { kind: 'exit'; code: string } | { kind: 'uncaught'; message: string } | null;
  /** V8 ran out of JavaScript heap (the limit given with --max-old-space-size). */
  heapExhausted: boolean;
  /** Stopped by the parent, and why. */
  stopped: 'timeout' | 'memory' | 'closed' | null;
}

export interface MemoryOverrun {
  limitMb: number;
  rssMb: number;
  tfMb: number;
}

export interface CheckProcessEvents {
  message?: (m: WorkerMessage) => void;
  /** A line the layer (or a library it calls) wrote on stdout or stderr. */
  output?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** The process went past the memory limit; it is being stopped. */
  memory?: (overrun: MemoryOverrun) => void;
  end?: (end: ProcessEnd) => void;
}

/**
 * Lines that say nothing to a user of check-layer: Dawn's native warnings as it creates an
 * adapter, and tfjs-webgpu's advice against dataSync, which the harness's own reads trigger.
 */
const NOISE: RegExp[] = [
  /artificially reduced from \d+ to \d+/,
  /^The performance of synchronously reading data from GPU to CPU is poor on the webgpu backend/,
];
/** V8's report when the JavaScript heap is exhausted: recorded as the cause, not shown. */
const HEAP_OOM = /JavaScript heap out of memory|Reached heap limit|FATAL ERROR: .*Allocation failed/;
const V8_DUMP = [/^\s*<--- /, /^\s*\[\d+:0x[0-9a-f]+\]/, /^\s*\d+: 0x[0-9a-f]+ /, /^----- Native stack/, /^\s*$/];

export class CheckProcess {
  private child: ChildProcess;
  private events: CheckProcessEvents = {};
  private said: ProcessEnd['said'] = null;
  private heapExhausted = false;
  private stopped: ProcessEnd['stopped'] = null;
  private ended: ProcessEnd | null = null;
  private watch: NodeJS.Timeout;
  private tfBytes = 0;
  /** Highest resident size seen, in bytes (for the stress figures). */
  peakRss = 0;
  /** Files sent, and flush lines seen on each stream (one per file done). */
  private sent = 0;
  private flushes = { stdout: 0, stderr: 0 };
  private flushWaiters: (() => void)[] = [];

  constructor(readonly memoryLimitMb: number) {
    this.child = fork(ENTRY, [], {
      // The heap limit is the run's limit: the resident watch below trips first for tensors,
      // which live outside the heap (typed arrays, wasm memory).
      execArgv: [`--max-old-space-size=${memoryLimitMb}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Structured clone: results keep NaN, Infinity and undefined.
      serialization: 'advanced',
      // Dawn's EGL (Mesa's software WebGPU) reads this from the real environment.
      env: { ...process.env, EGL_PLATFORM: process.env['EGL_PLATFORM'] ?? 'surfaceless' },
    });
    this.child.on('message', (m: WorkerMessage) => {
      // A check's result carries the memory after it: a check that left too much behind fails.
      const sample = m.type === 'memory' ? m.sample : m.type === 'result' || m.type === 'done' ? m.memory : null;
      if (sample) this.tfBytes = sample.tfBytes;
      this.checkMemory(sample);
      if (this.stopped) return;
      this.events.message?.(m);
    });
    lines(this.child.stdout, (line) => this.onStdout(line));
    lines(this.child.stderr, (line) => this.onStderr(line));
    // 'close' comes after the pipes are drained, so the marker lines are in.
    this.child.on('close', (code, signal) => {
      clearInterval(this.watch);
      this.wakeFlushWaiters();
      this.ended = { code, signal, said: this.said, heapExhausted: this.heapExhausted, stopped: this.stopped };
      this.events.end?.(this.ended);
    });
    this.child.on('error', () => {
      // A failed send or kill on a dead process: 'close' reports the end.
    });
    this.watch = setInterval(() => this.checkMemory(null), 200);
    this.watch.unref();
    // An idle check process does not keep its parent alive (a test file that ran a layer can
    // end); during a run the runner's timeout timer does. The child ends when the channel closes.
    this.child.unref();
    (this.child.channel as { unref?: () => void } | null | undefined)?.unref?.();
    for (const s of [this.child.stdout, this.child.stderr]) (s as { unref?: () => void } | null)?.unref?.();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.ended === null;
  }

  /** Replaces the listeners (one run at a time). */
  on(events: CheckProcessEvents): void {
    this.events = events;
  }

  send(request: WorkerRequest): void {
    if (this.ended || !this.child.connected) return;
    this.sent++;
    this.child.send(request, (e) => {
      if (e) this.events.output?.('stderr', `check-layer: could not reach the check process: ${e.message}`);
    });
  }

  /** Stops the process at once (SIGKILL: a layer's code cannot delay it). */
  stop(why: NonNullable<ProcessEnd['stopped']>): void {
    if (this.ended) return;
    this.stopped ??= why;
    this.child.kill('SIGKILL');
  }

  /** Resolves once the process has ended (after stop(), or on its own). */
  whenEnded(): Promise<ProcessEnd> {
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((resolve) => this.child.once('close', () => resolve(this.ended!)));
  }

  /**
   * Resolves once everything the process printed for the files sent so far has been passed on
   * (the flush line of the last one seen on both streams), or it ended, or after `capMs`.
   */
  outputFlushed(capMs = 30_000): Promise<void> {
    const done = () => this.ended !== null || Math.min(this.flushes.stdout, this.flushes.stderr) >= this.sent;
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const cap = setTimeout(finish, capMs);
      const waiter = () => {
        if (done()) finish();
      };
      function finish() {
        clearTimeout(cap);
        resolve();
      }
      this.flushWaiters.push(waiter);
    });
  }

  private wakeFlushWaiters(): void {
    for (const w of [...this.flushWaiters]) w();
  }

  private onFlush(stream: 'stdout' | 'stderr'): void {
    this.flushes[stream]++;
    this.wakeFlushWaiters();
  }

  private onStdout(line: string): void {
    const at = line.indexOf(FLUSH_LINE);
    if (at >= 0) {
      // Text the layer wrote without a newline ends up in front of the flush line.
      if (at > 0) this.events.output?.('stdout', line.slice(0, at));
      this.onFlush('stdout');
      return;
    }
    this.events.output?.('stdout', line);
  }

  private onStderr(line: string): void {
    const flush = line.indexOf(FLUSH_LINE);
    if (flush >= 0 && line.slice(flush) === FLUSH_LINE) {
      if (flush > 0) this.onStderr(line.slice(0, flush));
      this.onFlush('stderr');
      return;
    }
    const at = line.indexOf(STDERR_MARK);
    if (at >= 0) {
      const rest = line.slice(at + STDERR_MARK.length);
      const space = rest.indexOf(' ');
      const kind = rest.slice(0, space);
      const value = parseJson(rest.slice(space + 1));
      if (kind === 'exit') this.said ??= { kind: 'exit', code: String(value) };
      else if (kind === 'uncaught') this.said ??= { kind: 'uncaught', message: String(value) };
      if (at > 0) this.onStderr(line.slice(0, at));
      return;
    }
    if (HEAP_OOM.test(line)) {
      this.heapExhausted = true;
      return;
    }
    if (this.heapExhausted && V8_DUMP.some((r) => r.test(line))) return;
    if (/^\s*<--- Last few GCs --->/.test(line)) return;
    if (NOISE.some((r) => r.test(line))) return;
    this.events.output?.('stderr', line);
  }

  private checkMemory(sample: MemorySample | null): void {
    if (this.ended || this.stopped) return;
    const rss = Math.max(residentBytes(this.child.pid) ?? 0, sample?.rss ?? 0);
    this.peakRss = Math.max(this.peakRss, rss);
    const used = Math.max(rss, this.tfBytes);
    if (used > this.memoryLimitMb * MB) {
      this.stopped = 'memory';
      this.events.memory?.({ limitMb: this.memoryLimitMb, rssMb: rss / MB, tfMb: this.tfBytes / MB });
      this.child.kill('SIGKILL');
    }
  }
}

/** The resident size of a process, from /proc (Linux); null elsewhere (the child's own samples are used). */
function residentBytes(pid: number | undefined): number | null {
  if (pid === undefined || process.platform !== 'linux') return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl).replace(/\r$/, ''));
      pending = pending.slice(nl + 1);
    }
    // A layer writing without newlines must not grow this without bound.
    if (pending.length > 64 * 1024) {
      onLine(pending);
      pending = '';
    }
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
  });
}
