/**
 * The vitest integration: one line per layer in your own test suite, so CI fails on a broken layer.
 *
 *   import { describeLayer } from 'check-layer/vitest';
 *   describeLayer('my ELU', new URL('./my-elu.ts', import.meta.url), { suites: ['shape', 'gradient'] });
 *
 * registers a describe block with one test per check. The checks run once, in `beforeAll`,
 * through `checkLayer`; each test then reports its check: failed or incomplete -> a failed test
 * whose message has the evidence and the replay; skipped -> a skipped test with the reason.
 * Which checks there are is known before running (the same selection `checkLayer` makes).
 *
 * A layer given as a file runs in a child process that is stopped when `timeout` runs out (the
 * check it was in fails with the timeout's message); a layer given as a value runs in the test's
 * own thread, where one that never returns hangs the test file.
 */
import { errorText } from '../harness/error-text.ts';
import { beforeAll, describe, test, type TestContext } from 'vitest';
import { checkLayer, checkLayerFile, isLayerFile, type CheckLayerOptions } from './api.ts';
import { START_ALLOWANCE_MS } from './run-file.ts';
import { CATALOG } from '../harness/catalog.ts';
import { apiOptions, resolveRunOptions, selectChecks } from '../harness/options.ts';
import { shellQuote } from '../harness/shell-quote.ts';
import type { CheckResult, RunResult } from '../harness/result.ts';
import { checkAsText } from '../reports/html/evidence-text.ts';

export interface DescribeLayerOptions extends CheckLayerOptions {
  /**
   * Milliseconds the whole run may take (the layer's code: loading the file and every check);
   * default 300000 (5 minutes), 3600000 with the training suite. A layer file is stopped when it
   * runs out; a layer given as a value cannot be stopped (vitest's hook timeout then applies).
   */
  timeout?: number;
  /** Called with the run's result once it is there (to write a report, or inspect it). */
  onRun?: (run: RunResult) => void | Promise<void>;
}

/** A failed or incomplete check, as a test failure. Its message is the whole story: evidence and replay. */
export class LayerCheckFailure extends Error {
  override name = 'LayerCheckFailure';
  constructor(
    readonly result: CheckResult,
    message: string,
  ) {
    super(message);
    // The stack would point into this helper, not into the layer: the message says where.
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * Registers `describe(name)` with one test per selected check. `layer` is a layer file (a path
 * relative to the current folder, or a URL such as `new URL('./my-elu.ts', import.meta.url)`;
 * the safe form: its checks run in a child process that can be stopped), a layer instance, a
 * factory `() => layer` or a layer class.
 */
export function describeLayer(name: string, layer: unknown, options: DescribeLayerOptions = {}): void {
  // Resolved here, at collection time, so a bad option fails loudly and the test names are known.
  const { timeout, onRun, ...checkOptions } = options;
  const resolved = resolveRunOptions(apiOptions(checkOptions));
  const asFile = isLayerFile(layer);
  if (!asFile && !resolved.inputSize)
    throw new Error(`describeLayer('${name}'): options.inputSize is required, e.g. { inputSize: [24, 24, 20] }`);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
    throw new Error(
      `describeLayer('${name}'): options.timeout is milliseconds, a whole number > 0; got ${String(timeout)}`,
    );
  const checks = selectChecks(CATALOG, resolved);
  const runTimeout = timeout ?? (resolved.suites.includes('training') ? 60 * 60_000 : 5 * 60_000);
  // A file's run stops itself when its time is up and says so; vitest's own limit for the hook
  // comes later (the check process's start is not the layer's time).
  const hookTimeout = asFile ? runTimeout + START_ALLOWANCE_MS + 30_000 : runTimeout;
  const run$ = () =>
    asFile
      ? checkLayerFile(layer, checkOptions, { ms: runTimeout, label: `describeLayer's timeout (${runTimeout} ms)` })
      : checkLayer(layer, { ...checkOptions, name: checkOptions.name ?? name });

  describe(name, () => {
    let run: RunResult | undefined;
    let runError: unknown;

    beforeAll(async () => {
      try {
        run = await run$();
        await onRun?.(run);
      } catch (e) {
        runError = e;
      }
    }, hookTimeout);

    if (checks.length === 0) {
      test.skip(`no checks selected (suites: ${resolved.suites.join(', ') || 'none'})`, () => {});
      return;
    }

    for (const check of checks) {
      test(check.id, (ctx) => reportCheck(check.id, run, runError, ctx, resolved.seed));
    }
  });
}

function reportCheck(id: string, run: RunResult | undefined, runError: unknown, ctx: TestContext, seed: number): void {
  if (runError !== undefined) throw runError instanceof Error ? runError : new Error(errorText(runError));
  if (!run) throw new Error(`${id}: the checks did not run (beforeAll ended without a result)`);
  if (run.loadError)
    throw new Error(
      `${id}: the layer could not be run: ${run.loadError.message}${run.loadError.hint ? ` (${run.loadError.hint})` : ''}`,
    );
  const r = run.checks.find((c) => c.id === id);
  if (!r)
    throw new Error(
      `${id}: no result for this check in the run (ran: ${run.checks.map((c) => c.id).join(', ') || 'nothing'})`,
    );
  if (r.status === 'skipped') ctx.skip(r.message);
  if (r.status === 'failed' || r.status === 'incomplete') {
    throw new LayerCheckFailure(r, checkAsText(r, { replay: vitestReplay(ctx, seed), maxEvidenceLines: 30 }));
  }
}

/** The command that runs this one test again (same options in the test file, so the same seed). */
function vitestReplay(ctx: TestContext, seed: number): string {
  const file = ctx.task.file?.filepath;
  const rel = file ? relativeToCwd(file) : '<test file>';
  const names: string[] = [];
  for (
    let t: { name: string; suite?: unknown } | undefined = ctx.task;
    t;
    t = t.suite as { name: string; suite?: unknown } | undefined
  ) {
    if (t.name && t !== (ctx.task.file as unknown)) names.unshift(t.name);
  }
  // -t is a regular expression matched against the test's full name (its describe names and its own, joined by spaces).
  const pattern = names
    .filter(Boolean)
    .join(' ')
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `npx vitest run ${shellQuote(rel)} -t ${shellQuote(pattern)} (seed ${seed})`;
}

function relativeToCwd(file: string): string {
  const cwd = process.cwd().replace(/\\/g, '/');
  const f = file.replace(/\\/g, '/');
  return f.startsWith(`${cwd}/`) ? f.slice(cwd.length + 1) : f;
}
