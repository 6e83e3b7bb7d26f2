import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS, type CheckOptions } from '../../harness/check.ts';
import { evidenceOf } from '../../harness/evidence/index.ts';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import type { InputSize } from '../../harness/options.ts';
import { runChecks } from '../../harness/run-checks.ts';
import { tf, type Shape, type Tensor } from '../../harness/tf.ts';
import deadLayer, { inputSize as deadInputSize } from '../../fixtures/training/dead-layer.ts';
import hardSwishToFloat from '../../fixtures/shape/works-as-models-call-it.ts';
import { EluLayer } from '../../reference-layers/elu-layer.ts';
import { trainsToAccuracy } from './trains-to-accuracy.ts';
import { GatedResidualWithGain } from '../../test-support/gated-residual-with-gain.ts';

// A shortened setting (the full one takes minutes): 1 epoch of 1,000 digits, tested on 1,000.
const options: CheckOptions = {
  ...DEFAULT_CHECK_OPTIONS,
  epochs: 1,
  trainSize: 1000,
  testSize: 1000,
  trainBackend: 'wasm',
};
const cache = new Map<string, unknown>();

/** Two inputs, Form A: the channels of both side by side (its output has twice the channels of an input). */
class Concatenate extends tf.layers.Layer {
  static className = 'TrainingTestConcatenate';
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const [a, b] = s as Shape[];
    return [...a!.slice(0, -1), a![a!.length - 1]! + b![b!.length - 1]!];
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.concat(inputs as Tensor[], -1);
  }
}

/** Two inputs, Form A: feature-wise modulation A (1 + B) by a per-observation vector B of the channels' size. */
class Modulate extends tf.layers.Layer {
  static className = 'TrainingTestModulate';
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (s as Shape[])[0]!;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const [A, B] = inputs as Tensor[];
    return tf.mul(A!, tf.reshape(tf.add(1, B!), [B!.shape[0], 1, 1, B!.shape[1]!]));
  }
}

async function check(make: () => unknown, inputSize: InputSize) {
  const subject = LayerUnderTest.create({ kind: 'factory', value: make }, inputSize, 1);
  const [result] = await runChecks({ subject, checks: [trainsToAccuracy], seed: 1, options, cache });
  return result!;
}

describe('trainsToAccuracy', () => {
  it('passes the reference ELU (one run serves as both the layer and the reference)', async () => {
    const r = await check(() => new EluLayer(), [8, 8, 20]);
    expect(r.status, r.message).toBe('passed');
    const ev = evidenceOf(r, 'training');
    expect(ev.subjectIsReference).toBe(true);
    expect(ev.setting).toBe('shortened');
    expect(ev.subject.testAccuracy).toBeGreaterThan(0.7);
  });

  it('fails the dead layer (output = 0 * X + bias): right gradients, but the network cannot learn', async () => {
    const r = await check(deadLayer, deadInputSize);
    expect(r.status, r.message).toBe('failed');
    expect(r.message).toMatch(
      /^expected test accuracy >= \d+\.\d%, got \d+\.\d%: below the shortened-run floor 50\.0% and more than 10 points below the reference ELU's/,
    );
    const ev = evidenceOf(r, 'training');
    expect(ev.subject.testAccuracy).toBeLessThan(0.2);
    expect(ev.subjectIsReference).toBe(false);
    // The reference run was cached by the first test and reused.
    expect(ev.reference.testAccuracy).toBeGreaterThan(0.7);
  });

  it('passes a correct Form A layer that is not the reference (tf.layers.reLU)', async () => {
    const r = await check(() => tf.layers.reLU(), [8, 8, 20]);
    expect(r.status, r.message).toBe('passed');
  });

  it('skips a layer that cannot take the [N, 24, 24, 20] input, saying why', async () => {
    const r = await check(() => new EluLayer({ numChannels: 3 }), [4, 4, 3]);
    expect(r.status, r.message).toBe('skipped');
    expect(r.message).toMatch(/cannot take the seed network's \[N, 24, 24, 20\] input/);
  });

  it('trains the reference beside the layer on two workers, stores it on disk, and a later run reads it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'check-layer-cache-'));
    process.env['CHECK_LAYER_CACHE_DIR'] = dir;
    try {
      const run = async () => {
        const subject = LayerUnderTest.create({ kind: 'factory', value: deadLayer }, deadInputSize, 3);
        const [r] = await runChecks({
          subject,
          checks: [trainsToAccuracy],
          seed: 3,
          options: { ...options, trainWorkers: 2 },
          cache: new Map(),
        });
        return evidenceOf(r!, 'training');
      };
      const cold = await run();
      expect(cold.reference.cachedIn).toBeUndefined();
      // Two workers, one network each: the reference trained in a thread of its own.
      expect(cold.reference.workers).toBe(1);
      expect(cold.subject.workers).toBe(1);
      expect(readdirSync(dir)).toHaveLength(1);
      const warm = await run();
      expect(warm.reference.cachedIn).toBe(path.join(dir, readdirSync(dir)[0]!));
      expect(warm.reference.testAccuracy).toBe(cold.reference.testAccuracy);
      expect(warm.subject.testAccuracy).toBe(cold.subject.testAccuracy);
    } finally {
      process.env['CHECK_LAYER_CACHE_DIR'] = 'off';
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains a correct gated residual (two inputs, Form B with backward) with the activation at both inputs', async () => {
    const r = await check(
      () => new GatedResidualWithGain(),
      [
        [4, 4, 3],
        [4, 4, 3],
      ],
    );
    expect(r.status, r.message).toBe('passed');
    const ev = evidenceOf(r, 'training');
    expect(ev.subjectIsReference).toBe(false);
    expect(ev.subject.layer).toBe('TestGatedResidualWithGain');
    expect(ev.subject.settings.l2AppliesTo).toContain('layer.g');
    expect(ev.subject.testAccuracy).toBeGreaterThan(0.5);
  });

  it('fails a two-input layer that discards both inputs (0 A + 0 B): right gradients, nothing to learn from', async () => {
    const dead = () =>
      new (class extends Concatenate {
        static override className = 'TrainingTestDeadPair';
        override computeOutputShape(s: Shape | Shape[]): Shape {
          return (s as Shape[])[0]!;
        }
        override call(inputs: Tensor | Tensor[]): Tensor {
          const [A, B] = inputs as Tensor[];
          return tf.add(tf.mul(A!, 0), tf.mul(B!, 0));
        }
      })({});
    const r = await check(dead, [
      [4, 4, 3],
      [4, 4, 3],
    ]);
    expect(r.status, r.message).toBe('failed');
    expect(r.message).toMatch(
      /^expected test accuracy >= \d+\.\d%, got \d+\.\d%: below the shortened-run floor 50\.0%/,
    );
  });

  it('skips a two-input layer whose inputs take different sizes, naming them', async () => {
    const r = await check(() => new Modulate({}), [[4, 4, 3], [3]]);
    expect(r.status, r.message).toBe('skipped');
    expect(r.message).toBe(
      "the seed network gives its activation [N, 24, 24, 20] to every input (as in a residual block) and trains on its output, which must have the activation's size; " +
        "this layer's inputs take different sizes: [4, 4, 3] (input 1), [3] (input 2)",
    );
  });

  it("skips a two-input layer whose output is not the activation's size, naming it", async () => {
    const r = await check(
      () => new Concatenate({}),
      [
        [4, 4, 3],
        [4, 4, 3],
      ],
    );
    expect(r.status, r.message).toBe('skipped');
    expect(r.message).toMatch(
      /^the seed network gives its activation \[N, 24, 24, 20\] to every input .*; given the activation, its output is \[N, 24, 24, 40\]$/,
    );
  });

  it('fails a layer that breaks in models (call receives [x] there), naming the convention', async () => {
    const r = await check(hardSwishToFloat, [24, 24, 20]);
    expect(r.status, r.message).toBe('failed');
    expect(r.message).toMatch(
      /the layer breaks in every model: called as tf\.sequential and tf\.model call it \(call receives \[x\]\) it threw: .*toFloat is not a function/,
    );
  });
});
