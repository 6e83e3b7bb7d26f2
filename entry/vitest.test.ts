/**
 * describeLayer, tested the way users meet it: vitest runs a small project (vitest-fixture/) in
 * a child process, and every test it reports is compared with its check's result in the same
 * run (the fixture saves each RunResult): passed -> passed, failed or incomplete -> failed with
 * the evidence and a replay in the message, skipped -> skipped. Suites: shape and gradient.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS_BY_SUITE } from '../suites/index.ts';
import type { RunResult } from '../harness/result.ts';
import { runFixtureVitest, type VitestJson } from '../test-support/run-fixture-vitest.ts';

const SUITES = ['shape', 'gradient'] as const;
const EXPECTED_IDS = SUITES.flatMap((s) => CHECKS_BY_SUITE[s].map((c) => c.id));

const LAYERS = [
  { describe: 'reference ELU', file: 'reference-elu.json' },
  { describe: 'ELU with a wrong alpha gradient', file: 'broken-elu.json' },
  { describe: 'Form A leaky ReLU', file: 'leaky-relu.json' },
  { describe: 'gated residual with two inputs', file: 'gated-residual.json' },
];

describe('describeLayer in a user project', () => {
  let out: string;
  let report: VitestJson;
  let runs: Record<string, RunResult>;
  let exitCode: number | null;
  let stdout: string;

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'check-layer-vitest-'));
    // JSON into a file for the statuses; the verbose reporter on stdout, which shows each skip's reason.
    const r = await runFixtureVitest('layers.check.ts', out, { CHECK_LAYER_FIXTURE_SUITES: SUITES.join(',') }, 170_000);
    exitCode = r.exitCode;
    stdout = r.stdout;
    if (!r.report) throw new Error(`vitest wrote no results (exit ${r.exitCode}): ${r.stderr.slice(-2000)}`);
    report = r.report;
    runs = Object.fromEntries(
      LAYERS.map((l) => [l.describe, JSON.parse(readFileSync(path.join(out, l.file), 'utf8')) as RunResult]),
    );
  }, 180_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const testsOf = (name: string) =>
    report.testResults.flatMap((f) => f.assertionResults).filter((a) => a.ancestorTitles.join(' > ') === name);

  it('registers one test per check of the selected suites, named by check id, in order', () => {
    for (const l of LAYERS) expect(testsOf(l.describe).map((t) => t.title)).toEqual(EXPECTED_IDS);
  });

  it('gives each test the status of its check: failed and incomplete fail, skipped skips', () => {
    const expected = { passed: 0, failed: 0, skipped: 0 };
    for (const l of LAYERS) {
      const run = runs[l.describe]!;
      expect(run.checks.map((c) => c.id)).toEqual(EXPECTED_IDS);
      for (const t of testsOf(l.describe)) {
        const c = run.checks.find((x) => x.id === t.title)!;
        const want = c.status === 'passed' ? 'passed' : c.status === 'skipped' ? 'skipped' : 'failed';
        expected[want]++;
        expect({ layer: l.describe, check: c.id, test: t.status === 'pending' ? 'skipped' : t.status }).toEqual({
          layer: l.describe,
          check: c.id,
          test: want,
        });
      }
    }
    expect({ passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests }).toEqual(
      expected,
    );
    // All three paths are exercised: the broken ELU fails, the Form A layer has a check that does not apply to it.
    expect(expected.failed).toBeGreaterThan(0);
    expect(expected.skipped).toBeGreaterThan(0);
    // vitest exits 1 exactly when a test failed.
    expect(exitCode).toBe(expected.failed > 0 ? 1 : 0);
  });

  it('passes the reference ELU and fails nothing of the correct Form A layer or the two-input layer', () => {
    for (const name of ['reference ELU', 'Form A leaky ReLU', 'gated residual with two inputs']) {
      const failed = testsOf(name).filter((t) => t.status === 'failed');
      expect(failed.map((t) => `${t.title}: ${t.failureMessages[0]?.split('\n')[0]}`)).toEqual([]);
      expect(testsOf(name).filter((t) => t.status === 'passed').length).toBeGreaterThan(0);
    }
  });

  it.skipIf(!EXPECTED_IDS.includes('gradientsAreNumericallyCorrect'))(
    'fails gradientsAreNumericallyCorrect for the broken ELU, with the evidence and a replay in the message',
    () => {
      const t = testsOf('ELU with a wrong alpha gradient').find((x) => x.title === 'gradientsAreNumericallyCorrect')!;
      const c = runs['ELU with a wrong alpha gradient']!.checks.find((x) => x.id === 'gradientsAreNumericallyCorrect')!;
      expect(t.status).toBe('failed');
      expect(t.failureMessages[0]).toContain(c.message);
      expect(t.failureMessages[0]).toMatch(/\breplay: /);
      expect(t.failureMessages[0]).toContain('alpha');
    },
  );

  it("puts every failed check's message, evidence and replay into its failed test", () => {
    for (const l of LAYERS) {
      for (const t of testsOf(l.describe).filter((x) => x.status === 'failed')) {
        const c = runs[l.describe]!.checks.find((x) => x.id === t.title)!;
        const msg = t.failureMessages[0] ?? '';
        expect(msg).toContain(c.message);
        if (c.evidence && Object.keys(c.evidence).length) expect(msg).toContain('evidence:');
        expect(msg).toMatch(/\breplay: /);
      }
    }
  });

  it("reports each skip with the check's reason", () => {
    // The JSON reporter has no skip note; the verbose reporter prints it after the test's name.
    for (const l of LAYERS) {
      for (const c of runs[l.describe]!.checks.filter((x) => x.status === 'skipped')) {
        expect(testsOf(l.describe).find((t) => t.title === c.id)!.status).toMatch(/skipped|pending/);
        expect(stdout).toContain(`${l.describe} > ${c.id}`);
        expect(stdout).toContain(`[${c.message}]`);
      }
    }
  });

  it('takes one size per input for a layer with two inputs', () => {
    expect(runs['gated residual with two inputs']!.layer.inputSizes).toEqual([
      [4, 4, 3],
      [4, 4, 3],
    ]);
  });
});
