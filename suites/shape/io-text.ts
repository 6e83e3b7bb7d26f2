/**
 * How the shape checks name inputs and outputs in messages and failure locations, so that a layer
 * with one input and one output reads exactly as before ("an input of shape [2,4,4,3]", "at output
 * [0,1,2,0]") and a layer with several names each one ("inputs of shapes [2,4] and [2,3]", "at
 * output 2 [0,1]"). Labels come from harness/io-labels.ts.
 */
import { inputLabel, outputLabel } from '../../harness/io-labels.ts';
import type { FailureLocation } from '../../harness/result.ts';
import { shapeText } from './describe-value.ts';

/** `[2,4]`, `[2,4] and [2,3]`, `[2,4], [2,3] and [2,5]`. */
export function shapesList(shapes: readonly (readonly (number | null)[])[]): string {
  const texts = shapes.map((s) => shapeText(s));
  return texts.length <= 1 ? (texts[0] ?? '[]') : `${texts.slice(0, -1).join(', ')} and ${texts[texts.length - 1]}`;
}

/** "an input of shape [2,4]" / "inputs of shapes [2,4] and [2,3]" (after "for", "on"). */
export function inputsText(shapes: readonly number[][]): string {
  return shapes.length === 1 ? `an input of shape ${shapeText(shapes[0]!)}` : `inputs of shapes ${shapesList(shapes)}`;
}

/** "input [2,4]" / "inputs [2,4] and [2,3]" (after "the same", "for"). */
export function inputsShort(shapes: readonly number[][]): string {
  return shapes.length === 1 ? `input ${shapeText(shapes[0]!)}` : `inputs ${shapesList(shapes)}`;
}

/** "" for a layer with one output; " at output 2" (or " for output 2") otherwise. */
export function atOutput(k: number, n: number, word = 'at'): string {
  return n === 1 ? '' : ` ${word} ${outputLabel(k, n)}`;
}

/** "output [0,1,2]" / "output 2 [0,1,2]": an element's position in output k. */
export function outputPosition(k: number, n: number, position: readonly number[]): string {
  return `${outputLabel(k, n)} ${shapeText(position)}`;
}

/** The failure location of output k: `{ parameter: 'output' }`, plus `output: 'output 2'` when there are several. */
export function outputWhere(
  k: number,
  n: number,
  more: Omit<FailureLocation, 'parameter' | 'output'> = {},
): FailureLocation {
  return { parameter: 'output', ...(n > 1 ? { output: outputLabel(k, n) } : {}), ...more };
}

/** The failure location of input i: `{ parameter: 'input' }`, plus `input: 'input 2'` when there are several. */
export function inputWhere(
  i: number,
  n: number,
  more: Omit<FailureLocation, 'parameter' | 'input'> = {},
): FailureLocation {
  return { parameter: 'input', ...(n > 1 ? { input: inputLabel(i, n) } : {}), ...more };
}

/** "1 output" / "2 outputs". */
export function outputsCount(n: number): string {
  return `${n} output${n === 1 ? '' : 's'}`;
}
