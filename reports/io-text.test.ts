/**
 * How writers name inputs and outputs: a failure's location leads with its input and output
 * (`input 2, output 1`), drops a parameter that only repeats one of them, and reads as before for a
 * one-input, one-output layer; the sizes of each input and output of a layer with several.
 */
import { describe, expect, it } from 'vitest';
import { ioSizes, whereEntries, whereText } from './io-text.ts';

const text = (v: unknown) => (Array.isArray(v) ? `[${v.join(',')}]` : String(v));

describe('whereText', () => {
  it('leads with the input and the output, named by their labels', () => {
    expect(
      whereText({ parameter: 'wA', index: 5, position: [0, 1, 1, 2], input: 'input 2', output: 'output 1' }, text),
    ).toBe('input 2, output 1, parameter wA, index 5, position [0,1,1,2]');
  });

  it('leaves out a parameter that repeats the input or output label', () => {
    expect(whereText({ parameter: 'output 2', output: 'output 2', index: 0 }, text)).toBe('output 2, index 0');
    expect(whereText({ parameter: 'input 1', input: 'all inputs', inputClass: 'zero+0' }, text)).toBe(
      'inputClass zero+0 given to all inputs, parameter input 1',
    );
  });

  it('reads as before for one input and one output', () => {
    expect(whereText({ parameter: 'input', index: 3, position: [0, 0, 1, 0], inputClass: 'kink' }, text)).toBe(
      'parameter input, index 3, position [0,0,1,0], inputClass kink',
    );
    expect(whereText({}, text)).toBe('');
    expect(whereText(undefined, text)).toBe('');
    expect(whereEntries({ position: [] })).toEqual([]);
  });
});

describe('ioSizes', () => {
  const shape = (s: readonly number[]) => `[${s.join(',')}]`;
  it('names each input and output of a layer with several', () => {
    expect(
      ioSizes(
        {
          inputSizes: [
            [4, 4, 3],
            [4, 4, 2],
          ],
          outputSizes: [[4, 4, 5]],
        },
        shape,
      ),
    ).toEqual({
      inputs: 'input 1 [4,4,3], input 2 [4,4,2]',
      outputs: 'output [4,4,5]',
    });
    expect(ioSizes({ inputSizes: [[4, 4, 6]], outputSizes: [[4, 4, 2], null] }, shape)).toEqual({
      inputs: 'input [4,4,6]',
      outputs: 'output 1 [4,4,2], output 2 unknown',
    });
  });

  it('is null for a layer with one input and one output (no inputSizes, no outputSizes)', () => {
    expect(ioSizes({}, shape)).toBeNull();
    expect(ioSizes(undefined, shape)).toBeNull();
  });
});
