/**
 * The console report of layers with several inputs or outputs (real runs through the CLI's worker
 * path): the header names each input's and output's size, and a failure's `where` line leads with
 * the input and the output it happened at. A one-input, one-output layer's header reads as before.
 */
import { describe, expect, it } from 'vitest';
import { formatCheckLine, formatHeader } from './console.ts';
import { multiIoRun, passingRun, twoOutputsRun } from '../test-support/real-runs.ts';

describe('console report, several inputs', () => {
  it('names each input and output with its size in the header', async () => {
    const run = await multiIoRun();
    expect(formatHeader(run).split('\n')[1]).toMatch(
      /^ {2}input 1 \[4,4,3\], input 2 \[4,4,3\]; output \[4,4,3\]; learnables: none; on cpu \(.*\); seed 1$/,
    );
    expect(formatHeader(await passingRun()).split('\n')[1]).toMatch(
      /^ {2}input size \[4,4,3\], learnables: alpha \[3\]; /,
    );
  });

  it("leads a failure's where line with the input", async () => {
    const run = await multiIoRun();
    const failed = run.checks.filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.id)).toEqual(['predictIsFiniteForLargeInputs', 'gradientsAreFiniteForLargeInputs']);
    for (const c of failed) {
      const where = formatCheckLine(c, { color: false })
        .split('\n')
        .find((l) => l.trimStart().startsWith('where: '))!;
      expect(where.trim()).toMatch(new RegExp(`^where: inputClass \\S+ given to ${c.where!.input!}, parameter `));
      expect(c.where!.input).toMatch(/^(input 1|all inputs)$/);
    }
  });
});

describe('console report, several outputs', () => {
  it('names each output with its size, and the output a failure happened at', async () => {
    const run = await twoOutputsRun();
    expect(formatHeader(run).split('\n')[1]).toMatch(
      /^ {2}input \[4,4,6\]; output 1 \[4,4,3\], output 2 \[4,4,3\]; learnables: none; /,
    );
    const c = run.checks.find((x) => x.id === 'gradientsAreNumericallyCorrect')!;
    expect(c.status).toBe('failed');
    expect(c.where).toMatchObject({ input: 'input', output: 'output 2', parameter: 'input' });
    expect(formatCheckLine(c, { color: false })).toMatch(
      /\n {13}where: input, output 2, index \d+, position \[\d+,\d+,\d+,\d+\]\n/,
    );
  });
});
