/**
 * How every writer names a layer's inputs and outputs, from the result model alone: where a
 * failure is (`input 2, output 1, index 5, ...`) and the sizes of a layer with several inputs or
 * outputs (`input 1 [4,4,3], input 2 [4,4,2]`). One builder each, so that the console, the JUnit
 * text and the HTML page say the same. A one-input, one-output layer's failures read as before.
 */
import { inputLabel, outputLabel } from '../harness/io-labels.ts';
import type { FailureLocation, LayerInfo } from '../harness/result.ts';

/**
 * The location's entries, in reading order: the input and the output first (their value is the
 * whole label, `input 2`), then the rest as the check gave them. A parameter that only repeats the
 * input's or output's label (`output 2` for output 2) is left out.
 */
export function whereEntries(where: Readonly<FailureLocation> | undefined): [key: string, value: unknown][] {
  if (!where || typeof where !== 'object') return [];
  const w = where as Record<string, unknown>;
  const io = (['input', 'output'] as const).filter((k) => w[k] !== undefined && w[k] !== '');
  const labels = io.map((k) => w[k]);
  const rest = Object.entries(w).filter(
    ([k, v]) =>
      !io.includes(k as 'input') &&
      v !== undefined &&
      !(Array.isArray(v) && v.length === 0) &&
      !(k === 'parameter' && labels.includes(v)),
  );
  return [...io.map((k): [string, unknown] => [k, w[k]]), ...rest];
}

/** The location as one line: `input 2, output 1, parameter alpha, index 5, position [0,1,1,2]`. */
export function whereText(where: Readonly<FailureLocation> | undefined, value: (v: unknown) => string): string {
  // The stability suite's input is the one its input class went to (`inputClass expOverflow+89 given
  // to input 2`), which a derivative's parameter (`parameter input 1`) must not be read as.
  const givenTo = where?.inputClass !== undefined && where.input !== undefined ? where.input : undefined;
  const entries = whereEntries(where).filter(([k]) => !(givenTo !== undefined && k === 'input'));
  if (givenTo !== undefined) entries.sort(([a], [b]) => Number(b === 'inputClass') - Number(a === 'inputClass'));
  return entries
    .map(([k, v]) =>
      k === 'input' || k === 'output'
        ? value(v)
        : k === 'inputClass' && givenTo !== undefined
          ? `${k} ${value(v)} given to ${value(givenTo)}`
          : `${k} ${value(v)}`,
    )
    .join(', ');
}

/**
 * The sizes of each input and output of a layer with several (LayerInfo's `inputSizes` and
 * `outputSizes`), each named as failures name them: `input 1 [4,4,3], input 2 [4,4,2]`. Null for a
 * layer with one input and one output (whose report shows `inputSize` as before).
 */
export function ioSizes(
  layer: Readonly<Pick<LayerInfo, 'inputSizes' | 'outputSizes'>> | undefined,
  shape: (s: readonly number[]) => string,
): { inputs: string | null; outputs: string | null } | null {
  const ins = Array.isArray(layer?.inputSizes) ? layer.inputSizes : null;
  const outs = Array.isArray(layer?.outputSizes) ? layer.outputSizes : null;
  if (!ins && !outs) return null;
  const list = (sizes: readonly (readonly number[] | null)[], label: (i: number, n: number) => string) =>
    sizes.map((s, i) => `${label(i, sizes.length)} ${s ? shape(s) : 'unknown'}`).join(', ');
  return { inputs: ins ? list(ins, inputLabel) : null, outputs: outs ? list(outs, outputLabel) : null };
}
