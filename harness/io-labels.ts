/**
 * How reports and messages name a layer's inputs and outputs: a layer with one input and one
 * output reads as before (`input`, `output`); with several, each is numbered from 1, as MATLAB's
 * checkLayer numbers them (`input 2`, `output 1`).
 */

/** `input` for a one-input layer, else `input ${i + 1}`. */
export function inputLabel(i: number, inputs: number): string {
  return inputs === 1 ? 'input' : `input ${i + 1}`;
}

/** `output` for a one-output layer, else `output ${i + 1}`. */
export function outputLabel(i: number, outputs: number): string {
  return outputs === 1 ? 'output' : `output ${i + 1}`;
}

/** `1 input` / `3 inputs`, `1 output` / `2 outputs`. */
export function countOf(n: number, what: 'input' | 'output' | 'input size'): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
