/**
 * The shape suite against its oracles: every reference layer and a few Form A layers (built-in and
 * hand-written) pass every shape check; every fixture in fixtures/shape/ fails exactly its own
 * check, and no other shape check fails on it (the others pass, skip, or are incomplete).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS } from '../../harness/check.ts';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import type { CheckResult } from '../../harness/result.ts';
import { runChecks } from '../../harness/run-checks.ts';
import { tf, type Tensor } from '../../harness/tf.ts';
import { shapeChecks } from './index.ts';

const SEED = 20240611;

async function runShapeSuite(factory: () => unknown, inputSize: number[], seed = SEED): Promise<CheckResult[]> {
  const subject = LayerUnderTest.create({ kind: 'factory', value: factory }, inputSize, seed);
  return runChecks({ subject, checks: shapeChecks, seed, options: DEFAULT_CHECK_OPTIONS });
}

function summary(results: CheckResult[]): string {
  return results.map((r) => `${r.id}: ${r.status} ${r.message}`).join('\n');
}

/** A small hand-written Form A layer: Z = scale * tanh(slope * X), scale learnable per channel. */
class ScaledTanh extends tf.layers.Layer {
  static className = 'ScaledTanhShapeTest';
  readonly slope: number;
  private scale: tf.LayerVariable | null = null;

  constructor(args: { slope?: number; name?: string } = {}) {
    super(args);
    this.slope = args.slope ?? 1;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = inputShape as tf.Shape;
    this.scale = this.addWeight(
      'scale',
      [s[s.length - 1]!],
      'float32',
      tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 3 }),
    );
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const X = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tf.mul(tf.tanh(tf.mul(X, this.slope)), this.scale!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), slope: this.slope };
  }
}
tf.serialization.registerClass(ScaledTanh);

interface Passing {
  name: string;
  load: () => Promise<{ factory: () => unknown; inputSize: number[] }>;
}

const reference = (file: string) => async () => {
  const m = (await import(`../../reference-layers/${file}.ts`)) as { default: () => unknown; inputSize: number[] };
  return { factory: m.default, inputSize: m.inputSize };
};

const PASSING: Passing[] = [
  { name: 'reference ELU (Form B, backward)', load: reference('elu-layer') },
  { name: 'reference conv2d (Form B, backward)', load: reference('conv2d-layer') },
  { name: 'reference batch norm (Form B, forward with memory and state)', load: reference('batch-norm-layer') },
  {
    name: 'hand-written Form A (ScaledTanh, registered, getConfig)',
    load: () => Promise.resolve({ factory: () => new ScaledTanh({ slope: 2 }), inputSize: [6, 6, 4] }),
  },
  {
    name: 'built-in tf.layers.dense',
    load: () => Promise.resolve({ factory: () => tf.layers.dense({ units: 5 }), inputSize: [4, 4, 3] }),
  },
  {
    name: 'built-in tf.layers.conv2d',
    load: () =>
      Promise.resolve({ factory: () => tf.layers.conv2d({ filters: 4, kernelSize: 3 }), inputSize: [8, 8, 3] }),
  },
  {
    name: 'built-in tf.layers.batchNormalization',
    load: () => Promise.resolve({ factory: () => tf.layers.batchNormalization(), inputSize: [5, 5, 3] }),
  },
];

describe('shape suite: correct layers pass every check', () => {
  it.each(PASSING)('$name', async ({ load }) => {
    const { factory, inputSize } = await load();
    const results = await runShapeSuite(factory, inputSize);
    expect(results.map((r) => r.id)).toEqual(shapeChecks.map((c) => c.id));
    for (const r of results) expect(r.status, `${r.id}: ${r.message}\n\n${summary(results)}`).toBe('passed');
  });

  it('leaves no tensors behind itself (reference ELU)', async () => {
    const m = (await import('../../reference-layers/elu-layer.ts')) as { default: () => unknown; inputSize: number[] };
    const subject = LayerUnderTest.create({ kind: 'factory', value: m.default }, m.inputSize, SEED);
    const before = tf.memory().numTensors;
    await runChecks({ subject, checks: shapeChecks, seed: SEED, options: DEFAULT_CHECK_OPTIONS });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('passes for other seeds too (reference ELU)', async () => {
    const m = (await import('../../reference-layers/elu-layer.ts')) as { default: () => unknown; inputSize: number[] };
    for (const seed of [1, 2, 3]) {
      const results = await runShapeSuite(m.default, m.inputSize, seed);
      expect(
        results.filter((r) => r.status !== 'passed'),
        summary(results),
      ).toEqual([]);
    }
  });
});

/** fixtures/shape/<kebab-case id>.ts for every check: one broken layer per check. */
const kebab = (id: string) => id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('shape suite: each fixture fails its own check and no other', () => {
  it.each(shapeChecks.map((c) => ({ id: c.id, file: kebab(c.id) })))(
    'fixtures/shape/$file.ts fails $id',
    async ({ id, file }) => {
      const m = (await import(`../../fixtures/shape/${file}.ts`)) as { default: () => unknown; inputSize: number[] };
      expect(m.inputSize, 'the fixture exports inputSize').toBeDefined();
      const results = await runShapeSuite(m.default, m.inputSize);
      const own = results.find((r) => r.id === id)!;
      expect(own.status, summary(results)).toBe('failed');
      expect(own.message.length).toBeGreaterThan(20);
      expect(own.message).not.toContain('\n');
      const others = results.filter((r) => r.id !== id && r.status === 'failed');
      expect(others, summary(results)).toEqual([]);
    },
  );
});
