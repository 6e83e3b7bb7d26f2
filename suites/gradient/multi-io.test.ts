import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS, type Check } from '../../harness/check.ts';
import { evidenceOf } from '../../harness/evidence/index.ts';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import type { CheckResult } from '../../harness/result.ts';
import { runChecks } from '../../harness/run-checks.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { backwardIsLinearInUpstreamGradient } from './backward-is-linear-in-upstream-gradient.ts';
import { backwardMatchesAutodiff } from './backward-matches-autodiff.ts';
import { diagnosisKind } from './diagnose.ts';
import { gradientsAreNumericallyCorrect } from './gradients-are-numerically-correct.ts';
import { EluLayer } from '../../reference-layers/elu-layer.ts';
import { MULTI_IO_BROKEN, runCheck } from '../../test-support/gradient-fixtures.ts';
import {
  TestAttention,
  TestAttentionWrongSoftmax,
  TestFormAProduct,
  TestGatedResidual,
  TestGatedResidualWrongA,
  TestTanhAndSquare,
  TestTanhAndSquareIgnoresDLdZ2,
  TestTanhAndSquareWrongOutput2,
} from './multi-io-test-layers.ts';

const SEEDS = [1, 2, 3, 4, 5];
const GATED = [
  [4, 4, 3],
  [4, 4, 3],
];
const ATTENTION = [
  [4, 8],
  [6, 8],
  [6, 8],
];
const ONE = [[4, 4, 3]];

async function run(check: Check, make: () => unknown, sizes: number[][], seed: number): Promise<CheckResult> {
  const subject = LayerUnderTest.create({ kind: 'factory', value: make }, sizes, seed);
  const [r] = await runChecks({ subject, checks: [check], seed, options: DEFAULT_CHECK_OPTIONS });
  return r!;
}

const gradientEvidence = (r: CheckResult) => evidenceOf(r, 'gradientCheck');
const failedNames = (r: CheckResult) =>
  gradientEvidence(r)
    .parameters.filter((p) => !p.passed)
    .map((p) => p.parameter);

/** Values in [-2, 2] for each of `shapes` (seeded). */
function inputs(shapes: number[][], seed: number): Tensor[] {
  return shapes.map((s, i) => tf.randomUniform([2, ...s], -2, 2, 'float32', seed + i));
}

async function maxDifference(a: Tensor[], b: Tensor[]): Promise<number> {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = await tf.max(tf.abs(tf.sub(a[i]!, b[i]!))).data();
    worst = Math.max(worst, d[0]!);
  }
  return worst;
}

describe('the test layers against tf.grads of their plain functions (ground truth)', () => {
  const plain: [string, () => unknown, number[][], (xs: Tensor[]) => Tensor[], boolean][] = [
    [
      'gated residual',
      () => new TestGatedResidual(),
      GATED,
      ([a, b]) => [tf.add(a!, tf.mul(tf.sigmoid(a!), b!))],
      true,
    ],
    [
      'gated residual, wrong dA',
      () => new TestGatedResidualWrongA(),
      GATED,
      ([a, b]) => [tf.add(a!, tf.mul(tf.sigmoid(a!), b!))],
      false,
    ],
    ...(['right', 'wrong'] as const).map(
      (kind) =>
        [
          `attention, ${kind} softmax Jacobian`,
          () => (kind === 'right' ? new TestAttention() : new TestAttentionWrongSoftmax()),
          ATTENTION,
          ([q, k, v]: Tensor[]) => [tf.matMul(tf.softmax(tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(8))), v!)],
          kind === 'right',
        ] as [string, () => unknown, number[][], (xs: Tensor[]) => Tensor[], boolean],
    ),
  ];
  for (const [name, make, sizes, f, right] of plain) {
    it(`${name}: the backward ${right ? 'equals' : 'differs from'} tf.grads`, async () => {
      const subject = LayerUnderTest.create({ kind: 'factory', value: make }, sizes, 1);
      const Xs = inputs(sizes, 3);
      const dLdZ = tf.randomUniform([2, ...sizes[0]!.slice(0, -1), sizes.at(-1)!.at(-1)!], 0.5, 1.5, 'float32', 9);
      const expected = tf.grads((...xs: Tensor[]) => tf.sum(tf.mul(f(xs)[0]!, dLdZ)))(Xs);
      const got = subject.backwardAll(Xs, [dLdZ]).dLdXs;
      const d = await maxDifference(expected, got);
      if (right) expect(d).toBeLessThan(1e-4);
      else expect(d).toBeGreaterThan(1e-2);
      tf.dispose([...Xs, dLdZ, ...expected, ...got]);
    });
  }

  it('two outputs (tanh(X) w, X^2): the backward equals tf.grads of sum(Z1 dLdZ1) + sum(Z2 dLdZ2) only when right', async () => {
    for (const [make, right] of [
      [() => new TestTanhAndSquare(), true],
      [() => new TestTanhAndSquareWrongOutput2(), false],
    ] as const) {
      const subject = LayerUnderTest.create({ kind: 'factory', value: make }, ONE, 1);
      const w = subject.learnableVariable('w');
      const [X] = inputs(ONE, 5);
      const g1 = tf.randomUniform(X!.shape, 0.5, 1.5, 'float32', 7);
      const g2 = tf.randomUniform(X!.shape, 0.5, 1.5, 'float32', 8);
      const L = (x: Tensor, wv: Tensor) =>
        tf.add(tf.sum(tf.mul(tf.mul(tf.tanh(x), wv), g1)), tf.sum(tf.mul(tf.square(x), g2)));
      const [dX, dw] = tf.grads(L)([X!, w]);
      const got = subject.backwardAll([X!], [g1, g2]);
      const dInput = await maxDifference([dX!], got.dLdXs);
      expect(await maxDifference([dw!], [got.dLdLearnables['w']!])).toBeLessThan(1e-4);
      if (right) expect(dInput).toBeLessThan(1e-4);
      else expect(dInput).toBeGreaterThan(1e-2);
      tf.dispose([X!, g1, g2, dX!, dw!, ...got.dLdXs, got.dLdLearnables['w']!]);
    }
  });
});

describe('gradientsAreNumericallyCorrect with several inputs and outputs', () => {
  const correct: [string, () => unknown, number[][], string[]][] = [
    ['gated residual (Form B)', () => new TestGatedResidual(), GATED, ['input 1', 'input 2']],
    ['attention over Q, K, V (Form B)', () => new TestAttention(), ATTENTION, ['input 1', 'input 2', 'input 3']],
    ['two outputs with a learnable (Form B)', () => new TestTanhAndSquare(), ONE, ['input', 'w']],
    [
      'two inputs (Form A, autodiff)',
      () => new TestFormAProduct({}),
      [
        [3, 4],
        [3, 4],
      ],
      ['input 1', 'input 2'],
    ],
  ];
  for (const [name, make, sizes, parameters] of correct) {
    it(`passes ${name} for each of ${SEEDS.length} seeds, each input a parameter of its own`, async () => {
      for (const seed of SEEDS) {
        const r = await run(gradientsAreNumericallyCorrect, make, sizes, seed);
        expect(r.status, `seed ${seed}: ${r.message}`).toBe('passed');
        const ev = gradientEvidence(r);
        expect([...new Set(ev.parameters.map((p) => p.parameter))]).toEqual(parameters);
        expect(ev.inputShapes).toEqual(sizes.map((s) => [2, ...s]));
        if (sizes.length > 1) expect(ev.method).toContain(`${sizes.length} inputs, each a parameter of its own`);
        expect(ev.outputShapes?.length).toBe(make === correct[2]![1] ? 2 : 1);
      }
    });
  }

  it('catches the gated residual with a wrong dZ/dA at input 1 (input 2 right), for every seed', async () => {
    for (const seed of SEEDS) {
      const r = await run(gradientsAreNumericallyCorrect, () => new TestGatedResidualWrongA(), GATED, seed);
      expect(r.status, `seed ${seed}: ${r.message}`).toBe('failed');
      expect(failedNames(r)).toEqual(['input 1']);
      expect(r.where).toMatchObject({ parameter: 'input 1', input: 'input 1' });
      expect(r.message).toMatch(/^wrong derivative for input 1 .*at input 1\[/);
    }
  });

  it('catches attention with the softmax Jacobian wrong at inputs 1 and 2 (Q, K), never at input 3 (V), for every seed', async () => {
    for (const seed of SEEDS) {
      const r = await run(gradientsAreNumericallyCorrect, () => new TestAttentionWrongSoftmax(), ATTENTION, seed);
      expect(r.status, `seed ${seed}: ${r.message}`).toBe('failed');
      expect(failedNames(r).length).toBeGreaterThan(0);
      expect(failedNames(r).every((n) => n === 'input 1' || n === 'input 2')).toBe(true);
      expect(['input 1', 'input 2']).toContain(r.where?.input);
    }
  });

  it('catches a wrong part from output 2 and names the output, for every seed', async () => {
    for (const seed of SEEDS) {
      const r = await run(gradientsAreNumericallyCorrect, () => new TestTanhAndSquareWrongOutput2(), ONE, seed);
      expect(r.status, `seed ${seed}: ${r.message}`).toBe('failed');
      expect(failedNames(r)).toEqual(['input']);
      const p = gradientEvidence(r).parameters.find((q) => q.parameter === 'input')!;
      expect(p.diagnosis).toMatch(/^wrong through output 2: .* the part from output 1 agrees/);
      expect(r.where).toMatchObject({ parameter: 'input', input: 'input', output: 'output 2' });
    }
  });

  it('replays from the seed: the same case, verdict, counterexample and message; the counterexample cuts every input together', async () => {
    const a = await run(gradientsAreNumericallyCorrect, () => new TestGatedResidualWrongA(), GATED, 7);
    const b = await run(gradientsAreNumericallyCorrect, () => new TestGatedResidualWrongA(), GATED, 7);
    expect(b.message).toBe(a.message);
    expect(gradientEvidence(b)).toEqual(gradientEvidence(a));
    const cx = gradientEvidence(a).counterexample!;
    expect(cx.inputShapes).toHaveLength(2);
    expect(cx.inputShapes![1]).toEqual(cx.inputShapes![0]);
    expect(cx.inputShape).toEqual(cx.inputShapes![0]);
    expect(cx.description).toMatch(/^input 1 \S+ = \[.*\]; input 2 \S+ = \[.*\]; dLdZ \S+ = \[/);
  });
});

describe('backwardMatchesAutodiff and backwardIsLinearInUpstreamGradient with several inputs and outputs', () => {
  it('pass the correct layers, naming every input', async () => {
    for (const [make, sizes] of [
      [() => new TestGatedResidual(), GATED],
      [() => new TestAttention(), ATTENTION],
      [() => new TestTanhAndSquare(), ONE],
    ] as const) {
      for (const check of [backwardMatchesAutodiff, backwardIsLinearInUpstreamGradient]) {
        const r = await run(check, make, sizes, 1);
        expect(r.status, `${check.id}: ${r.message}`).toBe('passed');
        if (sizes.length > 1) expect(r.message).toContain(`input ${sizes.length}`);
      }
    }
  });

  it('backwardMatchesAutodiff catches the wrong gated residual at input 1 and the wrong attention at input 1 or 2, with the whole case in the evidence', async () => {
    const gated = await run(backwardMatchesAutodiff, () => new TestGatedResidualWrongA(), GATED, 2);
    expect(gated.status).toBe('failed');
    expect(gated.message).toMatch(/^backward differs from autodiff of forward for input 1: at input 1\[/);
    expect(gated.where).toMatchObject({ parameter: 'input 1', input: 'input 1' });
    const ev = evidenceOf(gated, 'autodiffComparison');
    expect(ev.case.xs?.map((x) => x.length)).toEqual([96, 96]);
    expect(ev.case.dLdZs?.[0]).toEqual(ev.case.dLdZ);
    const attention = await run(backwardMatchesAutodiff, () => new TestAttentionWrongSoftmax(), ATTENTION, 2);
    expect(attention.status).toBe('failed');
    expect(attention.message).toMatch(/for input 1, input 2:/);
  });

  it('backwardMatchesAutodiff names the output through which the backward differs', async () => {
    const r = await run(backwardMatchesAutodiff, () => new TestTanhAndSquareWrongOutput2(), ONE, 1);
    expect(r.status).toBe('failed');
    expect(r.where).toMatchObject({ parameter: 'input', input: 'input', output: 'output 2' });
    expect(r.details).toEqual(
      expect.arrayContaining([
        'with dLdZ on output 1 alone: backward equals autodiff',
        'with dLdZ on output 2 alone: backward DIFFERS from autodiff',
      ]),
    );
  });

  it('backwardIsLinearInUpstreamGradient catches a part from output 2 that ignores its dLdZ', async () => {
    const r = await run(backwardIsLinearInUpstreamGradient, () => new TestTanhAndSquareIgnoresDLdZ2(), ONE, 1);
    expect(r.status).toBe('failed');
    expect(r.where).toMatchObject({ parameter: 'input', input: 'input' });
  });
});

describe('the evidence of several inputs and outputs', () => {
  const schema = JSON.parse(readFileSync(new URL('../../reports/report.schema.json', import.meta.url), 'utf8')) as {
    $id: string;
  };
  const ajv = new Ajv({ allErrors: true, strict: true });
  (
    (formatsPlugin as unknown as { default?: (a: Ajv) => void }).default ??
    (formatsPlugin as unknown as (a: Ajv) => void)
  )(ajv);
  ajv.addSchema(schema);
  const validate = ajv.getSchema(`${schema.$id}#/definitions/evidence`)!;

  it('validates against report.schema.json (shapes of every input and output, the whole case)', async () => {
    for (const check of [gradientsAreNumericallyCorrect, backwardMatchesAutodiff]) {
      const r = await run(check, () => new TestGatedResidualWrongA(), GATED, 3);
      expect(validate(JSON.parse(JSON.stringify(r.evidence))), ajv.errorsText(validate.errors)).toBe(true);
    }
  });
});

describe('a layer with one input and one output', () => {
  it('keeps the parameter name input, no where.input and no lists of shapes in the evidence', async () => {
    const r = await run(gradientsAreNumericallyCorrect, () => new EluLayer(), ONE, 1);
    expect(r.status).toBe('passed');
    const ev = gradientEvidence(r);
    expect([...new Set(ev.parameters.map((p) => p.parameter))]).toEqual(['input', 'alpha']);
    expect('inputShapes' in ev || 'outputShapes' in ev).toBe(false);
    expect(ev.method).toMatch(/^L = sum\(Z \* dLdZ\)/);
  });
});

describe('the multi-IO fixtures that gradientsAreNumericallyCorrect must catch', () => {
  for (const l of MULTI_IO_BROKEN.filter((b) => b.diagnosis)) {
    it(`${l.name}: fails for each of 3 seeds, with its diagnosis naming the input or output`, async () => {
      for (const seed of [1, 2, 3]) {
        const r = await runCheck(gradientsAreNumericallyCorrect, l, seed);
        expect(r.status, `seed ${seed}: ${r.message}`).toBe('failed');
        const p = gradientEvidence(r).parameters.find((q) => q.parameter === l.diagnosis!.parameter)!;
        expect(p.diagnosis ?? '', `seed ${seed}`).toMatch(l.diagnosis!.pattern);
        expect(r.message).toContain(p.diagnosis!);
      }
    });
  }
});

describe('diagnosis kinds with input names', () => {
  it('read names that hold spaces', () => {
    expect(
      diagnosisKind('derivatives of input 4 and input 3 swapped: the derivative returned for input 4 matches'),
    ).toBe('swapped input 3 input 4');
    expect(diagnosisKind('wrong through output 2: the part of the derivative from dLdZ of output 2 differs')).toBe(
      'through output 2',
    );
  });
});
