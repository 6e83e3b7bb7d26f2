/**
 * The console report of a layer with several inputs (a real run through the CLI's worker path):
 * the header names each input's and output's size, and a failure's `where` line leads with the
 * input it happened at. A one-input layer's header reads as before.
 */
import { describe, expect, it } from 'vitest';
import { formatCheckLine, formatHeader } from './console.ts';
import { multiIoRun, passingRun } from '../test-support/real-runs.ts';

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
      expect(where.trim()).toMatch(new RegExp(`^where: ${c.where!.input!}, inputClass \\S+, parameter `));
      expect(c.where!.input).toMatch(/^(input 1|all inputs)$/);
    }
  });
});
