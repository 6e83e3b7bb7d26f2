/**
 * Runs checks on one layer, in this process, one after another. Results are data: a check that
 * throws is a failure with the error's message; a check whose dependency failed is incomplete.
 * (The CLI runs this inside a worker thread so a layer that never returns can be stopped.)
 */
import type { Check, CheckContext, CheckOptions } from './check.ts';
import type { LayerUnderTest } from './layer-under-test.ts';
import { deriveSeed, makeRng } from './random.ts';
import type { CheckResult } from './result.ts';
import { tf } from './tf.ts';
import { errorText } from './error-text.ts';
import { capStrings, capText, MESSAGE_CAP } from './cap-text.ts';

export interface RunChecksArgs {
  subject: LayerUnderTest;
  checks: readonly Check[];
  seed: number;
  options: CheckOptions;
  /** Makes the command that replays one check. */
  replay?: (checkId: string) => string;
  /** Shared across layers in one process. */
  cache?: Map<string, unknown>;
  progress?: (line: string) => void;
  /** Called as each check ends. */
  onResult?: (r: CheckResult) => void;
  /** The backend the checks run on (each check is checked not to change it); default: the current one. */
  backend?: string;
  /** Results already known (from an earlier worker, when a check timed out). */
  earlier?: Map<string, CheckResult>;
}

export async function runChecks(args: RunChecksArgs): Promise<CheckResult[]> {
  const earlier = args.earlier ?? new Map<string, CheckResult>();
  const results: CheckResult[] = [];
  for (const check of args.checks) {
    const r = await runOneCheck(check, args, earlier);
    earlier.set(check.id, r);
    results.push(r);
    args.onResult?.(r);
  }
  return results;
}

export async function runOneCheck(
  check: Check,
  args: RunChecksArgs,
  earlier: Map<string, CheckResult>,
): Promise<CheckResult> {
  const started = performance.now();
  const base = { id: check.id, suite: check.suite, title: check.title, replay: args.replay?.(check.id) };
  // A failed dependency blocks, and so does an incomplete one that goes back to a failure. One that
  // could not judge on its own (the layer threw inside it) does not: the check that names the throw runs.
  const blocker = check.dependsOn
    .map((id) => earlier.get(id))
    .find(
      (r) => r && (r.status === 'failed' || (r.status === 'incomplete' && rootCause(r, earlier).status === 'failed')),
    );
  if (blocker) {
    // One cause, one failure: a pointer to the check that failed, not its message again.
    const root = rootCause(blocker, earlier);
    return {
      ...base,
      status: 'incomplete',
      message: `not judged: ${root.id} failed${root.id === blocker.id ? '' : ` (through ${blocker.id})`}; its message says why`,
      durationMs: 0,
    };
  }
  const ctx: CheckContext = {
    tf,
    subject: args.subject,
    inputSize: args.subject.inputSize,
    inputSizes: args.subject.inputSizes,
    seed: args.seed,
    random: makeRng(deriveSeed(args.seed, check.id)),
    backend: args.backend ?? tf.getBackend(),
    options: args.options,
    earlier,
    cache: args.cache ?? new Map<string, unknown>(),
    progress: args.progress ?? (() => {}),
  };
  let result: CheckResult;
  try {
    const outcome = await check.run(ctx);
    result = { ...base, ...outcome, durationMs: performance.now() - started };
  } catch (e) {
    const err = e as Error;
    result = {
      ...base,
      status: 'failed',
      message: `${check.id} threw: ${errorText(e)}`,
      stack: err?.stack
        ? err.stack
            .split('\n')
            .filter((l) => /^\s+at /.test(l))
            .slice(0, 5)
            .map((l) => l.trim())
        : undefined,
      durationMs: performance.now() - started,
    };
  }
  return capResult(await restoreBackend(ctx.backend, result), earlier);
}

/** Characters past the cap of a long message that identify the text it carries (a layer's error). */
const SAME_TEXT = 1024;

/**
 * Every text of a result capped at MESSAGE_CAP characters. A cut message is kept whole in
 * fullMessage, once: when an earlier check already keeps the same long text (the same error,
 * thrown again), this one points there.
 */
function capResult(r: CheckResult, earlier: ReadonlyMap<string, CheckResult>): CheckResult {
  const keeper =
    r.message.length > MESSAGE_CAP
      ? [...earlier.values()].find((e) =>
          e.fullMessage?.includes(r.message.slice(MESSAGE_CAP, MESSAGE_CAP + SAME_TEXT)),
        )
      : undefined;
  const message = capText(
    r.message,
    keeper
      ? `; the whole text is in ${keeper.id}'s fullMessage in the JSON report`
      : "; the whole message is in the JSON report's fullMessage",
  );
  return {
    ...r,
    message,
    ...(message !== r.message && !keeper ? { fullMessage: r.message } : {}),
    ...(r.details ? { details: r.details.map((d) => capText(d)) } : {}),
    ...(r.warnings ? { warnings: r.warnings.map((w) => capText(w)) } : {}),
    ...(r.evidence ? { evidence: capStrings(r.evidence) } : {}),
  };
}

/**
 * A layer that changes TensorFlow.js's backend (tf.setBackend in predict) would make every later
 * check run somewhere else than the report says: the check it happened in fails, saying so, and
 * the backend is set back.
 */
async function restoreBackend(expected: string, result: CheckResult): Promise<CheckResult> {
  const now = tf.getBackend();
  if (now === expected) return result;
  await tf.setBackend(expected);
  return {
    ...result,
    status: 'failed',
    message: `${result.id}: the backend changed from ${expected} to ${now} during this check (does the layer call tf.setBackend?); a layer must not change it; set back to ${expected} for the next checks (the check itself said: ${result.message})`,
  };
}

/** Follows incomplete results back to the failure that made them incomplete. */
function rootCause(r: CheckResult, earlier: Map<string, CheckResult>): CheckResult {
  let current = r;
  for (let i = 0; i < 50 && current.status === 'incomplete'; i++) {
    const m = /^not judged: (\w+) failed/.exec(current.message);
    const next = m ? earlier.get(m[1]!) : undefined;
    if (!next) break;
    current = next;
  }
  return current;
}
