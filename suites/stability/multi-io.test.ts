/**
 * The stability checks on layers with several inputs and several outputs: each input class goes
 * to each input in turn (the others ordinary) and to all inputs together, a row each; a finding
 * names the input that got the class and the output (or derivative) that went non-finite.
 * cpu only: the per-backend behaviour is the one-input tests' (eachBackend there).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Shape, type Tensor } from '../../harness/tf.ts';
import { evidenceSchemaProblems } from '../../test-support/evidence-schema.ts';
import { gridOf, runStability } from '../../test-support/stability-backends.ts';
import { GatedResidualWithGain } from '../../test-support/gated-residual-with-gain.ts';

/** Broken: the gate as exp(B) / (1 + exp(B)): Infinity / Infinity = NaN once exp(B) overflows (B >= 88.73). */
class NaiveGate extends tf.layers.Layer {
  static className = 'StabilityTestNaiveGate';
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (Array.isArray(s[0]) ? s[0] : s) as Shape;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const [A, B] = inputs as Tensor[];
    return tf.tidy(() => tf.mul(A!, tf.div(tf.exp(B!), tf.add(1, tf.exp(B!)))));
  }
}

/** One input, two outputs: tanh(X) (stable) and softplus as log(1 + exp(X)) (Infinity from 88.73). */
class TwoOutputs extends tf.layers.Layer {
  static className = 'StabilityTestTwoOutputs';
  override computeOutputShape(s: Shape | Shape[]): Shape[] {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as Shape;
    return [shape, shape];
  }
  override call(inputs: Tensor | Tensor[]): Tensor[] {
    const X = Array.isArray(inputs) ? inputs[0]! : inputs;
    return [tf.tanh(X), tf.log(tf.add(1, tf.exp(X)))];
  }
}

const TWO = [
  [2, 2, 3],
  [2, 2, 3],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('stability with several inputs and outputs', () => {
  it('a correct gated residual (Form B with backward) passes: every class at input 1, at input 2 and at both', async () => {
    const { predict, gradients } = await runStability(() => new GatedResidualWithGain(), TWO);
    expect([predict.status, gradients.status], `${predict.message} | ${gradients.message}`).toEqual([
      'passed',
      'passed',
    ]);
    expect(predict.message).toMatch(
      /^output finite for all 34 input classes, given to each of the 2 inputs and to all together \(102 runs\) on cpu/,
    );
    const grid = gridOf(gradients);
    expect(grid.rows).toHaveLength(102);
    expect(grid.rows.slice(0, 3).map((r) => [r.inputClass, r.input])).toEqual([
      ['moderate+10', 'input 1'],
      ['moderate+10', 'input 2'],
      ['moderate+10', 'all inputs'],
    ]);
    expect(grid.columns).toEqual([
      { key: 'input 1', label: 'dLdX1' },
      { key: 'input 2', label: 'dLdX2' },
      { key: 'g', label: 'dLdg' },
    ]);
    for (const r of [predict, gradients]) expect(evidenceSchemaProblems(r.evidence)).toBe('');
    for (const w of [...(predict.warnings ?? []), ...(gradients.warnings ?? [])])
      expect(w).toMatch(/^(large[+-]3\.4e38|large[+-]1e30|mixed) \((input [12]|all inputs)\): /);
  });

  it('a gate written as exp(B) / (1 + exp(B)) fails at input 2 only, naming the input that got the class', async () => {
    const { predict, gradients } = await runStability(() => new NaiveGate(), TWO);
    expect(predict.status).toBe('failed');
    expect(predict.where).toEqual({
      inputClass: 'expOverflow+88.73',
      input: 'input 2',
      parameter: 'output',
      index: 0,
      position: [0, 0, 0, 0],
    });
    expect(predict.message).toBe(
      'expected output finite for every input class; saw NaN in output at element 0 [0,0,0,0] (input 88.73) ' +
        'for input class expOverflow+88.73 given to input 2 on cpu (10 of 102 runs fail: expOverflow+88.73 (input 2), ' +
        'expOverflow+88.73 (all inputs), expOverflow+89 (input 2), expOverflow+89 (all inputs), expOverflow+100 (input 2), ' +
        'expOverflow+100 (all inputs), ...)',
    );
    const rows = gridOf(predict).rows.filter((r) => r.inputClass === 'expOverflow+88.73');
    expect(rows.map((r) => [r.input, r.cells['output']!.state])).toEqual([
      ['input 1', 'finite'],
      ['input 2', 'nan'],
      ['all inputs', 'nan'],
    ]);
    // Large values at input 1 (A times a gate in [0, 1]) are fine.
    const failingAtInput1 = gridOf(predict).rows.filter(
      (r) => r.input === 'input 1' && ['nan', 'inf'].includes(r.cells['output']!.state),
    );
    expect(failingAtInput1).toEqual([]);
    expect(gradients.status).toBe('failed');
    // Autodiff of the division: -dLdZ A exp(B) / (1 + exp(B))^2 overflows to Infinity / Infinity
    // already at 88 when A is 88 too (given to both inputs).
    expect(gradients.where).toMatchObject({ inputClass: 'expOverflow+88', input: 'all inputs', parameter: 'input 2' });
    expect(gradients.message).toMatch(
      /^expected derivatives finite for every input class; saw NaN in dLdX2 at element \d+ \[[\d,]+\] \(input 88\) for input class expOverflow\+88 given to all inputs on cpu/,
    );
    // dZ/dA is the gate itself: NaN in the derivative for input 1 once input 2 gets 88.73.
    const at = gridOf(gradients).rows.find((r) => r.inputClass === 'expOverflow+88.73' && r.input === 'input 2')!;
    expect([at.cells['input 1']!.state, at.cells['input 1']!.first]).toEqual([
      'nan',
      { index: 0, position: [0, 0, 0, 0], input: '88.73', seen: 'NaN' },
    ]);
  });

  it('a layer with two outputs: the finding names the output that went non-finite', async () => {
    const { predict, gradients } = await runStability(() => new TwoOutputs(), [2, 2, 3]);
    expect(predict.status).toBe('failed');
    expect(predict.where).toEqual({
      inputClass: 'expOverflow+88.73',
      parameter: 'output 2',
      output: 'output 2',
      index: 0,
      position: [0, 0, 0, 0],
    });
    expect(predict.message).toMatch(
      /^expected outputs finite for every input class; saw Infinity in output 2 at element 0 \[0,0,0,0\] \(input 88\.73\) for input class expOverflow\+88\.73 on cpu \(\d+ of 34 classes fail/,
    );
    const row = gridOf(predict).rows.find((r) => r.inputClass === 'expOverflow+88.73')!;
    expect(row.input).toBeUndefined();
    expect([row.cells['output 1']!.state, row.cells['output 2']!.state]).toEqual(['finite', 'inf']);
    // Upstream gradient on both outputs: the softplus output's derivative exp(X) / (1 + exp(X)) is NaN.
    expect(gradients.status).toBe('failed');
    expect(gradients.where).toMatchObject({ inputClass: 'expOverflow+88.73', parameter: 'input' });
    expect(gradients.where?.input).toBeUndefined();
    expect(evidenceUpstream(gradients)).toBe('uniform in [-1, 1], seeded per input class, on every output');
  });
});

function evidenceUpstream(r: { evidence?: unknown }): string | undefined {
  return (r.evidence as { upstreamGradient?: string } | undefined)?.upstreamGradient;
}
