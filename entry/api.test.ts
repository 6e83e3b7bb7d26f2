/**
 * checkLayer on layer files: the checks run in a check process of their own, the file's
 * inputSize export is used, the layer's console output reaches the caller, reports are written
 * on request, and a check that never returns is stopped after `timeoutSeconds` and failed.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLayer } from './api.ts';
import { CustomLayer } from '../harness/custom-layer.ts';
import { tf, type Tensor } from '../harness/tf.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'check-layer-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkLayer on a layer file', () => {
  it('runs the file, passes its output on, and writes reports when asked', async () => {
    const lines: string[] = [];
    const run = await checkLayer('fixtures/reliability/chatty.ts', {
      checks: ['predictDoesNotError', 'predictIsDeterministic'],
      output: (stream, line) => lines.push(`${stream}: ${line}`),
      reportDir: dir,
      formats: ['json'],
    });
    expect(run.checks.map((c) => [c.id, c.status])).toEqual([
      ['predictDoesNotError', 'passed'],
      ['predictIsDeterministic', 'passed'],
    ]);
    expect(run.layer.inputSize).toEqual([2, 2, 1]);
    expect(run.exitCode).toBe(0);
    expect(lines).toContain('stdout: chatty stdout 1');
    expect(lines).toContain('stderr: chatty stderr 1');
    expect(existsSync(path.join(dir, 'chatty.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'chatty.html'))).toBe(false);
  });

  it('stops a check that never returns after timeoutSeconds', async () => {
    const file = pathToFileURL(path.resolve('fixtures/reliability/endless-backward.ts'));
    const t0 = Date.now();
    const run = await checkLayer(file, { checks: ['backwardDoesNotError'], timeoutSeconds: 1 });
    expect(run.checks).toHaveLength(1);
    expect(run.checks[0]!.status).toBe('failed');
    expect(run.checks[0]!.message).toMatch(/^backwardDoesNotError: did not finish within 1 s \(stopped;/);
    expect(run.exitCode).toBe(1);
    // The process's start is not counted; the check itself is stopped at 1 s, not at a minute.
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('says what it takes when given something that is neither a file nor a layer', async () => {
    await expect(checkLayer(42, { inputSize: [2, 2, 1] })).rejects.toThrow(
      /expected a layer file \(a path or a URL\), a layer, a factory/,
    );
    await expect(checkLayer(new URL('https://example.com/a.ts'))).rejects.toThrow(/is not a file URL/);
  });
});

/** Z = A + sigmoid(A) * B: two inputs, one output. */
class GatedSum extends CustomLayer {
  static override className = 'ApiTestGatedSum';
  predict(A: Tensor, B: Tensor): Tensor {
    return tf.add(A, tf.mul(tf.sigmoid(A), B));
  }
}
tf.serialization.registerClass(GatedSum);

describe('checkLayer on a layer with several inputs', () => {
  it('takes one size per input and reports them', async () => {
    const run = await checkLayer(() => new GatedSum(), {
      inputSize: [
        [2, 2, 1],
        [2, 2, 1],
      ],
      checks: ['predictDoesNotError'],
    });
    expect(run.layer.inputSize).toEqual([2, 2, 1]);
    expect(run.layer.inputSizes).toEqual([
      [2, 2, 1],
      [2, 2, 1],
    ]);
    expect(run.layer.outputSizes).toEqual([[2, 2, 1]]);
  });

  it('a count of sizes that predict does not take is a load error naming both counts (exit 2)', async () => {
    const run = await checkLayer(() => new GatedSum(), { inputSize: [[2, 2, 1], [2, 2, 1], [1]] });
    expect(run.exitCode).toBe(2);
    expect(run.loadError?.message).toMatch(
      /3 input sizes were given but ApiTestGatedSum\.predict takes 2 inputs; give one size per input/,
    );
    expect(run.checks).toEqual([]);
  });
});
