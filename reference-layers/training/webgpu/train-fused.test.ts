import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { prepareBackend, type BackendStatus } from '../../../harness/backends.ts';
import { tf, type Tensor } from '../../../harness/tf.ts';
import { loadDigits, type DigitSplit } from '../digits.ts';
import { buildLayer, referenceElu } from '../run-training.ts';
import { SeedNetwork } from '../seed-network.ts';
import { train, type TrainResult } from '../train.ts';
import { GatedResidualWithGain } from '../../../test-support/gated-residual-with-gain.ts';

/**
 * A Form A layer (automatic differentiation) with three learnables and an output smaller than its
 * input: Z = (a X + b relu(X) + c) on the top-left 12x12 of each 24x24 map. Three learnables take
 * the sgdm program's packed path (more than fit its storage-buffer bindings one by one), and the
 * fully connected layer sees 2,880 features instead of 11,520.
 */
class ThreeLearnables extends tf.layers.Layer {
  static className = 'FixtureThreeLearnables';
  private a: tf.LayerVariable | null = null;
  private b: tf.LayerVariable | null = null;
  private c: tf.LayerVariable | null = null;
  override build(): void {
    const init = (seed: number, minval: number, maxval: number) =>
      tf.initializers.randomUniform({ minval, maxval, seed });
    this.a = this.addWeight('a', [20], 'float32', init(11, 0.5, 1.5));
    this.b = this.addWeight('b', [20], 'float32', init(12, -0.5, 0.5));
    this.c = this.addWeight('c', [20], 'float32', init(13, -0.2, 0.2));
    this.built = true;
  }
  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as tf.Shape;
    return [shape[0]!, 12, 12, 20];
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const y = tf.add(tf.add(tf.mul(x, this.a!.read()), tf.mul(tf.relu(x), this.b!.read())), this.c!.read());
    return tf.slice(y, [0, 0, 0, 0], [-1, 12, 12, 20]);
  }
}
tf.serialization.registerClass(ThreeLearnables);

interface Run {
  result: TrainResult;
  /** Every learnable's change over the run, by name. */
  updates: Record<string, Float32Array>;
}

async function trainOn(backend: 'wasm' | 'webgpu', make: () => unknown, data: DigitSplit, numInputs = 1): Promise<Run> {
  await tf.setBackend(backend);
  const net = new SeedNetwork(buildLayer(make, 3, numInputs), 3, numInputs);
  try {
    const before = await Promise.all(net.learnables().map((l) => l.variable.data()));
    // L2 set high enough that a missing or misplaced L2 term shows in the updates.
    const result = await train({ network: net, data, seed: 3, epochs: 1, device: backend, l2Regularization: 0.01 });
    const after = await Promise.all(net.learnables().map((l) => l.variable.data()));
    const updates: Record<string, Float32Array> = {};
    net.learnables().forEach((l, i) => {
      updates[l.name] = Float32Array.from(after[i]!, (v, j) => v - before[i]![j]!);
    });
    return { result, updates };
  } finally {
    net.dispose();
    net.layer.dispose();
  }
}

/** max |a - b| / max |b|. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

function expectSameTraining(gpu: Run, cpu: Run): void {
  expect(gpu.result.iterations).toBe(cpu.result.iterations);
  // Float32 rounding differs (sums in another order); the losses agree to about 1e-6 here.
  gpu.result.loss.forEach((l, i) => expect(Math.abs(l - cpu.result.loss[i]!)).toBeLessThan(1e-4 * cpu.result.loss[i]!));
  expect(gpu.result.accuracy).toEqual(cpu.result.accuracy);
  expect(Object.keys(gpu.updates)).toEqual(Object.keys(cpu.updates));
  for (const [name, update] of Object.entries(cpu.updates)) {
    if (name === 'conv.bias') {
      // Batch norm subtracts the batch mean: no gradient reaches the bias, it never moves.
      expect(Math.max(...gpu.updates[name]!.map(Math.abs))).toBe(0);
      continue;
    }
    // Measured on Mesa: at most 7e-5 (most 1e-6); a dropped L2 term, a dropped term of batch norm's
    // backward or a 1% error in the shift gives 2e-3 to 7e-3.
    expect(relError(gpu.updates[name]!, update), name).toBeLessThan(3e-4);
  }
}

describe('fused WebGPU training (WGSL programs around the layer under test) against wasm', () => {
  let webgpu: BackendStatus = { name: 'webgpu', available: false, reason: 'not prepared' };
  let data: DigitSplit;
  beforeAll(async () => {
    const wasm = await prepareBackend('wasm');
    expect(wasm.available, wasm.reason).toBe(true);
    webgpu = await prepareBackend('webgpu');
    data = await loadDigits({ trainSize: 384, testSize: 10 });
  });
  const ready = (ctx: TestContext) => {
    if (!webgpu.available) ctx.skip(`webgpu unavailable: ${webgpu.reason}`);
  };

  it('gives the same losses, accuracies and updates as wasm with the reference ELU, leaking nothing', async (ctx) => {
    ready(ctx);
    const tensors = tf.memory().numTensors;
    const gpu = await trainOn('webgpu', referenceElu, data);
    expect(tf.memory().numTensors).toBe(tensors);
    const cpu = await trainOn('wasm', referenceElu, data);
    expect(gpu.result.iterations).toBe(3);
    expectSameTraining(gpu, cpu);
  });

  it('does the same for a Form A layer with three learnables and a smaller output', async (ctx) => {
    ready(ctx);
    const make = () => new ThreeLearnables({});
    const gpu = await trainOn('webgpu', make, data);
    const cpu = await trainOn('wasm', make, data);
    expect(Object.keys(gpu.updates)).toContain('layer.c');
    expectSameTraining(gpu, cpu);
  });

  it('does the same for a two-input layer (Form B with backward) given the activation at both inputs', async (ctx) => {
    ready(ctx);
    const make = () => new GatedResidualWithGain();
    const tensors = tf.memory().numTensors;
    const gpu = await trainOn('webgpu', make, data, 2);
    expect(tf.memory().numTensors).toBe(tensors);
    const cpu = await trainOn('wasm', make, data, 2);
    expect(Object.keys(gpu.updates)).toContain('layer.g');
    expectSameTraining(gpu, cpu);
  });
});
