/**
 * One cause, one failure, through real runs of the layer files (each in its own check process) and
 * the real writers: a learnable derivative of the wrong shape fails backwardIsConsistentInSize
 * alone; a call returning two tensors whose computeOutputShape (the default) declares one output
 * fails outputShapeMatchesComputeOutputShape alone, every other check judging both outputs; a 1 MB
 * error message is
 * capped in every report (the HTML stays small) and kept whole once in the JSON.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayer } from '../entry/api.ts';
import { MESSAGE_CAP } from '../harness/cap-text.ts';
import type { RunResult } from '../harness/result.ts';

const SUITES = ['shape', 'gradient', 'stability'] as const;

async function run(file: string, reportDir?: string): Promise<RunResult> {
  return checkLayer(`fixtures/reliability/${file}.ts`, {
    suites: [...SUITES],
    ...(reportDir ? { reportDir, formats: ['json', 'html', 'junit'] } : {}),
    output: () => {},
  });
}

const failed = (r: RunResult) => r.checks.filter((c) => c.status === 'failed').map((c) => c.id);
const POINTER = /^not judged: \w+ failed( \(through \w+\))?; (its message says why|.* the same( error)?)$/;

describe('one cause, one failure', () => {
  it('a learnable derivative of the wrong shape: backwardIsConsistentInSize fails, the checks using it point there', async () => {
    const r = await run('learnable-derivative-wrong-shape');
    expect(failed(r)).toEqual(['backwardIsConsistentInSize']);
    for (const id of [
      'gradientsAreNumericallyCorrect',
      'backwardMatchesAutodiff',
      'gradientsAreFiniteForLargeInputs',
    ]) {
      const c = r.checks.find((x) => x.id === id)!;
      expect(c.status).toBe('incomplete');
      expect(c.message).toBe('not judged: backwardIsConsistentInSize failed; its message says why');
    }
  }, 120_000);

  it('a call returning two tensors, computeOutputShape declaring one: outputShapeMatchesComputeOutputShape says so once', async () => {
    const r = await run('call-returns-two-tensors');
    expect(failed(r)).toEqual(['outputShapeMatchesComputeOutputShape']);
    expect(r.checks.find((c) => c.id === 'outputShapeMatchesComputeOutputShape')!.message).toMatch(
      /^call \(training: false\) returns 2 outputs; computeOutputShape declares 1 /,
    );
    for (const c of r.checks.filter((x) => x.status === 'incomplete')) {
      expect(c.message, c.id).toMatch(POINTER);
      expect(c.message.length).toBeLessThan(120);
    }
  }, 120_000);

  it('a 1 MB error message: capped on every report, whole once in the JSON, no stack frames unless verbose', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'one-cause-'));
    const r = await run('megabyte-error-message', dir);
    expect(failed(r)).toEqual(['predictDoesNotError']);
    for (const c of r.checks) {
      expect(c.message.length, c.id).toBeLessThanOrEqual(MESSAGE_CAP);
      for (const d of c.details ?? []) expect(d.length).toBeLessThanOrEqual(MESSAGE_CAP);
      // Stack frames are data of their own (the console shows them with --verbose), never details.
      for (const d of c.details ?? []) expect(d).not.toMatch(/^at /);
    }
    const whole = r.checks.filter((c) => c.fullMessage);
    expect(whole).toHaveLength(1);
    for (const c of r.checks.filter((x) => x.message.includes('more characters')))
      expect(c.message).toMatch(new RegExp(`the whole (message|text) is in (the JSON report|${whole[0]!.id}'s)`));
    expect(whole[0]!.fullMessage!.length).toBeGreaterThan(1024 * 1024);
    const json = readFileSync(path.join(dir, 'megabyte-error-message.json'), 'utf8');
    const html = path.join(dir, 'megabyte-error-message.html');
    const junit = path.join(dir, 'megabyte-error-message.junit.xml');
    // The whole text once (1 MB), not once per check; HTML and JUnit hold only capped text.
    expect(json.length).toBeLessThan(1.2 * 1024 * 1024);
    expect(statSync(html).size).toBeLessThan(200 * 1024);
    expect(statSync(junit).size).toBeLessThan(100 * 1024);
  }, 120_000);

  it('a 1 MB error while importing the file: the load error is capped, and whole in the JSON once', async () => {
    const r = await run('megabyte-import-error');
    expect(r.exitCode).toBe(2);
    expect(r.loadError!.message.length).toBeLessThanOrEqual(MESSAGE_CAP);
    expect(r.loadError!.message).toMatch(
      /more characters; the whole message is in the JSON report's loadError\.fullMessage\]$/,
    );
    expect(r.loadError!.fullMessage!.length).toBeGreaterThan(1024 * 1024);
  }, 120_000);
});
