/**
 * Every broken fixture of fixtures/stability fails the stability checks on every available
 * backend, naming the input class where it first breaks, and passes the classes it handles.
 */
import { expect, it } from 'vitest';
import * as logSumExp from '../../fixtures/stability/log-sum-exp-without-max-shift.ts';
import * as naiveMask from '../../fixtures/stability/naive-mask-elu.ts';
import * as noEpsilon from '../../fixtures/stability/normalize-without-epsilon.ts';
import * as naiveSoftplus from '../../fixtures/stability/softplus-log-one-plus-exp.ts';
import * as meanSoftmax from '../../fixtures/stability/softmax-shifted-by-mean.ts';
import * as whereElu from '../../fixtures/stability/where-elu-autodiff.ts';
import * as logCosh from '../../fixtures/stability/log-cosh-naive.ts';
import * as geluTanh from '../../fixtures/stability/gelu-tanh-autodiff.ts';
import {
  eachBackend,
  failingClasses,
  gridOf,
  runStability,
  warnedFindings,
} from '../../test-support/stability-backends.ts';

/** Reachable classes where the naive formulas break: they fail. */
const EXP_OVERFLOW = ['expOverflow+88.73', 'expOverflow+89', 'expOverflow+100', 'large+1e4'];
/** Extreme classes where they break too: the same findings, as warnings by default. */
const EXTREME_FOUND = ['large+1e10', 'large+1e30'];
/** Classes an ELU or softplus written naively still handles. */
const HANDLED = [
  'moderate+10',
  'moderate-30',
  'expOverflow+88',
  'expOverflow+88.72',
  'expOverflow-100',
  'large-1e30',
  'large-3.4e38',
  'zero+0',
  'zero-0',
  'subnormal+1.4e-45',
  'subnormal-1e-40',
  'tinyNormal+1.18e-38',
];

eachBackend((backend, ready) => {
  it('naive mask ELU: NaN output (Infinity x 0) from 88.73 up, named with element, input and value', async (ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(naiveMask.default, naiveMask.inputSize);
    expect(predict.status).toBe('failed');
    expect(predict.where).toEqual({
      inputClass: 'expOverflow+88.73',
      parameter: 'output',
      index: 0,
      position: [0, 0, 0, 0],
    });
    expect(predict.message).toBe(
      `expected output finite for every input class; saw NaN in output at element 0 [0,0,0,0] (input 88.73) for input class expOverflow+88.73 on ${backend} ` +
        `(5 of 34 classes fail: expOverflow+88.73, expOverflow+89, expOverflow+100, large+1e4, mixedReachable)`,
    );
    expect(failingClasses(predict)).toEqual(expect.arrayContaining(EXP_OVERFLOW));
    expect(warnedFindings(predict)).toEqual(expect.arrayContaining(EXTREME_FOUND));
    expect(predict.warnings!.join('\n')).toMatch(
      /large\+1e10: NaN in output .*: at an extreme input \(1e10 and up, or the mixed tensor holding them\) a finding is a warning; --strict makes it fail/,
    );
    for (const id of HANDLED) expect(failingClasses(predict)).not.toContain(id);
    expect(gradients.status).toBe('failed');
    expect(gradients.where).toMatchObject({ inputClass: 'expOverflow+88.73', parameter: 'input' });
    const row = gridOf(gradients).rows.find((r) => r.inputClass === 'expOverflow+88.73')!;
    expect(row.cells['input']!.state).toBe('nan');
    expect(row.cells['alpha']!.state).toBe('nan');
  });

  it('ELU through tf.where with autodiff: finite output, NaN dLdX from 88.73 up', async (ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(whereElu.default, whereElu.inputSize);
    expect(predict.status).toBe('passed');
    expect(gradients.status).toBe('failed');
    expect(gradients.where).toMatchObject({ inputClass: 'expOverflow+88.73', parameter: 'input', index: 0 });
    expect(gradients.message).toContain(
      'saw NaN in dLdX at element 0 [0,0,0,0] (input 88.73) for input class expOverflow+88.73',
    );
    expect(failingClasses(gradients)).toEqual(expect.arrayContaining(EXP_OVERFLOW));
    for (const id of HANDLED) expect(failingClasses(gradients)).not.toContain(id);
  });

  it('softplus as log(1 + exp(X)): Infinity output from 88.73 up, whose exact value (about 100 at 100) fits in float32', async (ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(naiveSoftplus.default, naiveSoftplus.inputSize);
    expect(predict.status).toBe('failed');
    expect(predict.where).toMatchObject({ inputClass: 'expOverflow+88.73', parameter: 'output' });
    expect(predict.message).toContain(
      'saw Infinity in output at element 0 [0,0,0,0] (input 88.73) for input class expOverflow+88.73',
    );
    const at100 = gridOf(predict).rows.find((r) => r.inputClass === 'expOverflow+100')!.cells['output']!;
    expect(at100.state).toBe('inf');
    expect(at100.estimate).toBeGreaterThan(90);
    expect(at100.estimate).toBeLessThan(110);
    expect(predict.details!.join('\n')).toMatch(
      /expOverflow\+100: Infinity in output .*; its exact value is about (9\d|1[01]\d)(\.\d+)? \(estimated from smaller inputs along the same direction\), within float32: an intermediate overflowed/,
    );
    expect(failingClasses(predict)).toEqual(expect.arrayContaining(EXP_OVERFLOW));
    for (const id of HANDLED) expect(failingClasses(predict)).not.toContain(id);
    expect(gradients.status).toBe('failed');
    expect(gradients.where).toMatchObject({ inputClass: 'expOverflow+88.73', parameter: 'input' });
  });

  it('log-sum-exp without the max shift: Infinity already at 88 (3 channels), -Infinity at -1e4', async (ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(logSumExp.default, logSumExp.inputSize);
    expect(predict.status).toBe('failed');
    expect(predict.where).toMatchObject({ inputClass: 'expOverflow+88', parameter: 'output' });
    // The output has one channel, so the offending element's input is the class's value.
    expect(predict.message).toContain(
      'saw Infinity in output at element 0 [0,0,0,0] (input 88) for input class expOverflow+88',
    );
    expect(failingClasses(predict)).toEqual(expect.arrayContaining(['expOverflow+88', 'large-1e4', 'mixedReachable']));
    expect(warnedFindings(predict)).toEqual(expect.arrayContaining(['large+1e30', 'large-1e30', 'mixed']));
    for (const id of ['moderate+10', 'moderate-30', 'zero+0']) expect(failingClasses(predict)).not.toContain(id);
    const row = gridOf(predict).rows.find((r) => r.inputClass === 'large-1e4')!;
    expect(row.cells['output']!.first?.seen).toBe('-Infinity');
    expect(gradients.status).toBe('failed');
  });

  it('normalization without epsilon: NaN for every constant input (variance 0)', async (ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(noEpsilon.default, noEpsilon.inputSize);
    expect(predict.status).toBe('failed');
    expect(predict.where).toMatchObject({ inputClass: 'moderate+10', parameter: 'output' });
    expect(predict.message).toContain(
      'saw NaN in output at element 0 [0,0,0,0] (input 10) for input class moderate+10',
    );
    expect(failingClasses(predict)).toEqual(
      expect.arrayContaining(['moderate+10', 'expOverflow-88', 'large+1e4', 'zero+0', 'zero-0']),
    );
    expect(warnedFindings(predict)).toEqual(expect.arrayContaining(['large+1e30']));
    expect(gradients.status).toBe('failed');
    const row = gridOf(gradients).rows.find((r) => r.inputClass === 'zero+0')!;
    expect(row.cells['input']!.state).toBe('nan');
    expect(row.cells['scale']!.state).toBe('nan');
  });

  it('softmax shifted by the mean: finite for every constant input, NaN only in the mixed tensors (1e4 beside -1e4 reaches it)', async (ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(meanSoftmax.default, meanSoftmax.inputSize);
    expect(predict.status).toBe('failed');
    expect(failingClasses(predict)).toEqual(['mixedReachable']);
    expect(warnedFindings(predict)).toEqual(['mixed']);
    expect(predict.where).toMatchObject({ inputClass: 'mixedReachable', parameter: 'output' });
    expect(predict.message).toMatch(
      /saw NaN in output at element \d+ \[[\d,]+\] \(input -?[\d.e]+\) for input class mixedReachable/,
    );
    expect(failingClasses(gradients)).toEqual(['mixedReachable']);
  });

  it('naive log(cosh(X)): Infinity output from about 89.4, whose exact value (99.3 at 100) fits in float32', async (ctx) => {
    ready(ctx);
    const { predict } = await runStability(logCosh.default, logCosh.inputSize);
    expect(predict.status).toBe('failed');
    const at100 = gridOf(predict).rows.find((r) => r.inputClass === 'expOverflow+100')!.cells['output']!;
    expect(at100.state).toBe('inf');
    expect(at100.estimate).toBeGreaterThan(90);
    expect(at100.estimate).toBeLessThan(110);
    expect(failingClasses(predict)).toEqual(
      expect.arrayContaining(['expOverflow+100', 'expOverflow-100', 'large+1e4', 'large-1e4']),
    );
  });

  it('tanh-GELU by autodiff: NaN derivative only past 7e12 (X^3 overflows), a warning by default, a failure under --strict', async (ctx) => {
    ready(ctx);
    const relaxed = await runStability(geluTanh.default, geluTanh.inputSize);
    expect(relaxed.predict.status, relaxed.predict.message).toBe('passed');
    expect(relaxed.gradients.status, relaxed.gradients.message).toBe('passed');
    const found = warnedFindings(relaxed.gradients);
    expect(found).toEqual(expect.arrayContaining(['large+1e30', 'large+3.4e38']));
    for (const id of found) expect(id).toMatch(/^(large[+-](1e30|3\.4e38)|mixed)$/);
    const strict = await runStability(geluTanh.default, geluTanh.inputSize, 1, { strictStability: true });
    expect(strict.gradients.status).toBe('failed');
    expect(failingClasses(strict.gradients)).toEqual(expect.arrayContaining(['large+1e30', 'large+3.4e38']));
    for (const id of failingClasses(strict.gradients)) expect(id).toMatch(/^(large[+-](1e30|3\.4e38)|mixed)$/);
  });
});
