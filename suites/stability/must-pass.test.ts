/**
 * Correct layers pass the stability checks on every available backend: the reference layers
 * and TensorFlow.js's own activations. Also: the grid is JSON data, the checks leave no tensors
 * and no changed weights behind, a run replays from its seed, honest overflow is only a warning.
 */
import { expect, it } from 'vitest';
import batchNorm from '../../reference-layers/batch-norm-layer.ts';
import conv2d from '../../reference-layers/conv2d-layer.ts';
import elu from '../../reference-layers/elu-layer.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { runChecks } from '../../harness/run-checks.ts';
import { DEFAULT_CHECK_OPTIONS } from '../../harness/check.ts';
import type { CheckResult } from '../../harness/result.ts';
import { BUILTIN_LAYERS } from './builtin-activation-layers.ts';
import { stabilityChecks } from './index.ts';
import { eachBackend, failingClasses, gridOf, runStability } from '../../test-support/stability-backends.ts';

const SMALL = [2, 2, 3];
const AT_MAX = ['large+3.4e38', 'large-3.4e38'];

/** Classes with a warning (honest overflow) in a result's grid. */
const warned = (r: CheckResult) =>
  gridOf(r)
    .rows.filter((row) => Object.values(row.cells).some((c) => c.state === 'warning'))
    .map((row) => row.inputClass);

eachBackend((backend, ready) => {
  const squareLayer = () =>
    new (class extends tf.layers.Layer {
      static className = 'TestSquare';
      override call(x: Tensor | Tensor[]) {
        return tf.square(Array.isArray(x) ? x[0]! : x);
      }
    })();
  const expLayer = () =>
    new (class extends tf.layers.Layer {
      static className = 'TestExp';
      override call(x: Tensor | Tensor[]) {
        return tf.exp(Array.isArray(x) ? x[0]! : x);
      }
    })();

  it('the reference ELU passes, with no warning', async (ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(elu, SMALL);
    expect([predict.status, gradients.status], `${predict.message} | ${gradients.message}`).toEqual([
      'passed',
      'passed',
    ]);
    expect(predict.warnings ?? []).toEqual([]);
    expect(gradients.warnings ?? []).toEqual([]);
    expect(gradients.message).toBe(`derivatives finite for all 34 input classes on ${backend}`);
  });

  it('the reference convolution passes; Infinity past the float32 maximum is only a warning', async (ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(conv2d, [6, 6, 2]);
    expect([predict.status, gradients.status], `${predict.message} | ${gradients.message}`).toEqual([
      'passed',
      'passed',
    ]);
    for (const id of warned(predict)) expect([...AT_MAX, 'mixed']).toContain(id);
    const row = gridOf(predict).rows.find((r) => r.inputClass === 'large+3.4e38')!;
    // At 3.4e38 some outputs' exact values (3.4e38 x the sum of their taps) pass the float32
    // maximum (honest), others fit but a partial sum overflowed: a finding, a warning at this extreme class.
    const cell = row.cells['output']!;
    expect(cell.state, JSON.stringify(cell)).toBe('warning');
    expect(cell.honest === 'magnitude' || cell.finding === 'inf', JSON.stringify(cell)).toBe(true);
    expect(predict.warnings!.join('\n')).toMatch(
      /^large\+3\.4e38: (-)?Infinity in output at element \d+ \[[\d,]+\] \(input 3\.4e38\)/m,
    );
  });

  it('the reference batch normalization passes, except the known tf.moments overflow at ±3.4e38 on wasm and webgpu', async (ctx) => {
    ready(ctx);
    const { predict, gradients, subject } = await runStability(batchNorm, SMALL);
    expect(predict.status, predict.message).toBe('passed');
    if (backend === 'cpu') expect(gradients.status, gradients.message).toBe('passed');
    // Known backend difference (see the tf.mean test below): the batch mean of 3.4e38s is Infinity
    // on wasm and webgpu, so (X - mean) is -Infinity and dLdX NaN. Nowhere else may it fail.
    else for (const id of failingClasses(gradients)) expect(AT_MAX).toContain(id);
    // The mixed class's NaN (a variance past the float32 maximum) is honest overflow, a warning.
    const mixed = gridOf(gradients).rows.find((r) => r.inputClass === 'mixed')!;
    expect(['finite', 'warning']).toContain(mixed.cells['input']!.state);
    subject.layer.dispose();
  });

  it('known difference: tf.mean of eight 3.4e38s is 3.4e38 on cpu, Infinity on wasm and webgpu', async (ctx) => {
    ready(ctx);
    const m = tf.tidy(() => tf.mean(tf.fill([8], 3.4e38)));
    const v = (await m.data())[0]!;
    m.dispose();
    // cpu divides each value by the count before summing; wasm and webgpu sum first.
    expect(v).toBe(backend === 'cpu' ? Math.fround(3.4e38) : Infinity);
  });

  it.for(BUILTIN_LAYERS.map((b) => [b.name, b] as const))('tfjs built-in %s passes', async ([, builtin], ctx) => {
    ready(ctx);
    const { predict, gradients } = await runStability(builtin.make, SMALL);
    expect([predict.status, gradients.status], `${predict.message} | ${gradients.message}`).toEqual([
      'passed',
      'passed',
    ]);
    for (const id of [...warned(predict), ...warned(gradients)]) expect([...AT_MAX, 'mixed']).toContain(id);
  });

  it('tf.selu at 3.4e38 is Infinity (1.0507 x 3.4e38), a warning and no failure', async (ctx) => {
    ready(ctx);
    const { predict } = await runStability(() => tf.layers.activation({ activation: 'selu' }), SMALL);
    expect(predict.status, predict.message).toBe('passed');
    expect(warned(predict)).toContain('large+3.4e38');
    expect(predict.message).toMatch(/^output finite for all 34 input classes on \w+ \(\d+ warnings?\)$/);
    const cell = gridOf(predict).rows.find((r) => r.inputClass === 'large+3.4e38')!.cells['output']!;
    // Exact: 1.0507 x 3.4e38 = 3.57e38.
    expect(cell.estimate! / 3.572e38).toBeGreaterThan(0.9);
    expect(cell.estimate! / 3.572e38).toBeLessThan(1.1);
  });

  it('x^2 at 1e30 and exp(x) at 100 are honest overflow (exact 1e60, 2.7e43): warnings and no failure', async (ctx) => {
    ready(ctx);
    for (const make of [squareLayer, expLayer]) {
      const { predict } = await runStability(make, SMALL);
      expect(predict.status, predict.message).toBe('passed');
      for (const row of gridOf(predict).rows.filter(
        (r) => r.inputClass !== 'mixed' && r.cells['output']!.state === 'warning',
      ))
        expect(row.cells['output']!.honest).toBe('magnitude');
    }
    const square = gridOf((await runStability(squareLayer, SMALL)).predict).rows;
    expect(square.find((r) => r.inputClass === 'large+1e30')!.cells['output']!.state).toBe('warning');
    const exp = gridOf((await runStability(expLayer, SMALL)).predict).rows;
    expect(exp.find((r) => r.inputClass === 'expOverflow+100')!.cells['output']).toMatchObject({
      state: 'warning',
      honest: 'magnitude',
    });
  });

  it('declared kinks become classes of their own (relu6: 6)', async (ctx) => {
    ready(ctx);
    const relu6 = BUILTIN_LAYERS.find((b) => b.name === 'relu6')!;
    const { predict } = await runStability(relu6.make, SMALL);
    expect(gridOf(predict).rows.map((r) => r.inputClass)).toContain('kink+6');
  });

  it('leaves no tensor and no changed weight behind', async (ctx) => {
    ready(ctx);
    for (const make of [elu, BUILTIN_LAYERS.find((b) => b.name === 'prelu')!.make]) {
      const { subject } = await runStability(make, SMALL);
      const weights = await Promise.all(subject.layer.weights.map((w) => w.read().data()));
      const before = tf.memory().numTensors;
      await runChecks({ subject, checks: stabilityChecks, seed: 3, options: DEFAULT_CHECK_OPTIONS });
      expect(tf.memory().numTensors).toBe(before);
      const after = await Promise.all(subject.layer.weights.map((w) => w.read().data()));
      expect(after).toEqual(weights);
      subject.layer.dispose();
    }
  });
});

it('restores state that a training-time call moved (batch normalization running statistics)', async () => {
  await tf.setBackend('cpu');
  const { subject } = await runStability(batchNorm, SMALL);
  const before = await Promise.all(subject.layer.weights.map((w) => w.read().data()));
  await runChecks({ subject, checks: stabilityChecks, seed: 2, options: DEFAULT_CHECK_OPTIONS });
  const after = await Promise.all(subject.layer.weights.map((w) => w.read().data()));
  expect(after).toEqual(before);
});

it('puts a JSON-able grid in the evidence, and replays identically from the seed', async () => {
  await tf.setBackend('cpu');
  const a = await runStability(conv2d, [6, 6, 2], 5);
  const b = await runStability(conv2d, [6, 6, 2], 5);
  for (const r of [a.predict, a.gradients]) expect(JSON.parse(JSON.stringify(r.evidence))).toEqual(r.evidence);
  expect(gridOf(a.gradients)).toEqual(gridOf(b.gradients));
  expect(gridOf(a.gradients).columns.map((c) => c.label)).toEqual([
    'dLdX',
    ...a.subject.learnableNames().map((n) => `dLd${n}`),
  ]);
});
