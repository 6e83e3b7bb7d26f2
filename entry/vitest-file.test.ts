/**
 * describeLayer on layer files, the way users meet it (vitest in a child process on
 * vitest-fixture/layer-files.check.ts): the reference ELU given by URL and export name passes
 * every shape check, and a layer whose backward never returns, with `timeout: 5000`, ends with
 * the timeout's message on the check it was in (the others not run), instead of hanging vitest.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS_BY_SUITE } from '../suites/index.ts';
import type { RunResult } from '../harness/result.ts';
import { runFixtureVitest, type FixtureRun } from '../test-support/run-fixture-vitest.ts';

const SHAPE_IDS = CHECKS_BY_SUITE.shape.map((c) => c.id);
/** Far past the 5 s timeout and the check process's start: reached only if the hang is not stopped. */
const KILL_AFTER_MS = 240_000;

describe('describeLayer on a layer file', () => {
  let out: string;
  let r: FixtureRun;
  const runOf = (file: string) => JSON.parse(readFileSync(path.join(out, file), 'utf8')) as RunResult;
  const testsOf = (name: string) =>
    (r.report?.testResults ?? []).flatMap((f) => f.assertionResults).filter((a) => a.ancestorTitles[0] === name);

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'check-layer-vitest-file-'));
    r = await runFixtureVitest('layer-files.check.ts', out, {}, KILL_AFTER_MS);
  }, KILL_AFTER_MS + 10_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('ends on its own (not killed) and fails the file', () => {
    expect({ killed: r.killed, exitCode: r.exitCode }).toEqual({ killed: false, exitCode: 1 });
  });

  it('passes every shape check of the reference ELU given by URL and export name', () => {
    const tests = testsOf('ELU from its file');
    expect(tests.map((t) => t.title)).toEqual(SHAPE_IDS);
    expect(tests.filter((t) => t.status !== 'passed').map((t) => `${t.title}: ${t.failureMessages[0]}`)).toEqual([]);
    const run = runOf('elu-file.json');
    expect(run.layer.exportName).toBe('EluLayer');
    expect(run.layer.file).toBe(path.join('reference-layers', 'elu-layer.ts'));
  });

  it("stops the endless backward at describeLayer's timeout and fails its check with that message", () => {
    const run = runOf('endless-backward.json');
    const stopped = run.checks.filter((c) =>
      c.message.includes("describeLayer's timeout (5000 ms) ran out during this check"),
    );
    expect(stopped).toHaveLength(1);
    const stoppedId = stopped[0]!.id;
    const tests = testsOf('endless backward');
    expect(tests.map((t) => t.title)).toEqual(SHAPE_IDS);
    const failed = tests.find((t) => t.title === stoppedId)!;
    expect(failed.status).toBe('failed');
    expect(failed.failureMessages[0]).toContain(
      `${stoppedId}: did not finish: describeLayer's timeout (5000 ms) ran out`,
    );
    // Checks after it were not run: each fails, naming the check the time ran out in.
    const after = SHAPE_IDS.slice(SHAPE_IDS.indexOf(stoppedId) + 1);
    expect(after.length).toBeGreaterThan(0);
    for (const id of after) {
      const t = tests.find((x) => x.title === id)!;
      expect(t.status).toBe('failed');
      expect(t.failureMessages[0]).toContain(`not run: describeLayer's timeout (5000 ms) ran out during ${stoppedId}`);
    }
  });
});
