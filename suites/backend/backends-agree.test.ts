import { beforeAll, describe, expect, it } from 'vitest';
import { prepareBackend, type BackendStatus } from '../../harness/backends.ts';
import { DEFAULT_CHECK_OPTIONS, type CheckOptions } from '../../harness/check.ts';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import type { InputSize } from '../../harness/options.ts';
import { isEvidenceOf } from '../../harness/evidence/index.ts';
import type { CheckResult } from '../../harness/result.ts';
import { runChecks } from '../../harness/run-checks.ts';
import { CustomLayer } from '../../harness/custom-layer.ts';
import { tf, type Shape, type Tensor } from '../../harness/tf.ts';
import backendDependent, { inputSize as backendDependentSize } from '../../fixtures/backend/backend-dependent-layer.ts';
import { BatchNormLayer } from '../../reference-layers/batch-norm-layer.ts';
import { Conv2dLayer } from '../../reference-layers/conv2d-layer.ts';
import { EluLayer } from '../../reference-layers/elu-layer.ts';
import { backendsAgree } from './backends-agree.ts';
import { compareToReference } from './compare-to-reference.ts';
import { evidenceSchemaProblems } from '../../test-support/evidence-schema.ts';
import residualScalars, { inputSize as residualScalarsSize } from '../../fixtures/multi-io-more/residual-scalars.ts';
import { GatedResidualWithGain } from '../../test-support/gated-residual-with-gain.ts';

let wasm: BackendStatus;
let webgpu: BackendStatus;

beforeAll(async () => {
  await tf.setBackend('cpu');
  wasm = await prepareBackend('wasm');
  webgpu = await prepareBackend('webgpu');
});

async function check(
  make: () => unknown,
  inputSize: InputSize,
  seed: number,
  compareBackends: CheckOptions['compareBackends'],
): Promise<{ result: CheckResult; subject: LayerUnderTest }> {
  const subject = LayerUnderTest.create({ kind: 'factory', value: make }, inputSize, seed);
  const [result] = await runChecks({
    subject,
    checks: [backendsAgree],
    seed,
    options: { ...DEFAULT_CHECK_OPTIONS, compareBackends },
  });
  return { result: result!, subject };
}

const compared = (r: CheckResult) =>
  Object.keys(isEvidenceOf(r.evidence, 'backends') ? r.evidence.backends : {}).sort();

const referenceLayers: [string, () => unknown, number[]][] = [
  ['ELU', () => new EluLayer(), [5, 5, 6]],
  ['Conv2dLayer 5x5, valid', () => new Conv2dLayer({ filterSize: 5, numFilters: 4 }), [12, 12, 3]],
  [
    'Conv2dLayer 3x3, stride 2, same',
    () => new Conv2dLayer({ filterSize: 3, numFilters: 4, stride: 2, padding: 'same' }),
    [9, 8, 3],
  ],
  ['BatchNormLayer (NHWC)', () => new BatchNormLayer(), [6, 6, 4]],
  ['BatchNormLayer (N, C)', () => new BatchNormLayer(), [7]],
];

describe('backendsAgree', () => {
  it('has wasm and Mesa webgpu here (the comparisons below need them)', () => {
    expect(wasm.available, wasm.reason).toBe(true);
    // webgpu needs Debian's Mesa (libegl1 libgles2 libegl-mesa0); the tests below compare only what is available.
    if (!webgpu.available) console.warn(`webgpu not available, only cpu-vs-wasm is tested: ${webgpu.reason}`);
  });

  for (const [label, make, inputSize] of referenceLayers) {
    it(`passes for the reference ${label} on every available backend, and leaves backend and weights as found`, async () => {
      for (const seed of [1, 2]) {
        const subject = LayerUnderTest.create({ kind: 'factory', value: make }, inputSize, seed);
        const before = subject.layer.getWeights().map((w) => Array.from(w.dataSync()));
        const [result] = await runChecks({
          subject,
          checks: [backendsAgree],
          seed,
          options: { ...DEFAULT_CHECK_OPTIONS, compareBackends: ['wasm', 'webgpu'] },
        });
        expect(result!.status, result!.message).toBe('passed');
        expect(compared(result!)).toEqual(webgpu.available ? ['wasm', 'webgpu'] : ['wasm']);
        expect(tf.getBackend()).toBe('cpu');
        expect(subject.layer.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
      }
    });
  }

  it('fails the backend-dependent fixture on wasm, naming the output and where', async () => {
    const { result } = await check(backendDependent, backendDependentSize, 1, ['wasm']);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(
      /^wasm disagrees with cpu on output at index \d+ \[[\d,]+\]: cpu -?[\d.e-]+, wasm -?[\d.e-]+, \|diff\| .* > allowed/,
    );
    expect(result.where?.parameter).toBe('output');
    expect(result.details?.some((d) => d.startsWith('wasm disagrees with cpu on dLdX'))).toBe(true);
  });

  it('fails the backend-dependent fixture on webgpu (skipped where webgpu is not available)', async (t) => {
    if (!webgpu.available) t.skip(`webgpu not available: ${webgpu.reason}`);
    const { result } = await check(backendDependent, backendDependentSize, 3, ['webgpu']);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^webgpu disagrees with cpu on output/);
  });

  it('does not compare, with a warning, a backend that lacks a kernel the layer needs (a tfjs limitation, not the layer)', async () => {
    // tfjs's wasm backend has no DepthwiseConv2dNativeBackpropInput nor ...Filter kernel: the gradient of a depthwise convolution cannot run there.
    const make = () => tf.layers.depthwiseConv2d({ kernelSize: 3 });
    const { result } = await check(make, [6, 6, 2], 1, ['wasm']);
    expect(result.status).toBe('skipped');
    expect(result.message).toMatch(
      /wasm not compared: TensorFlow\.js's wasm backend has no DepthwiseConv2dNativeBackprop(Input|Filter) kernel/,
    );
  });

  it('restores the run backend when the run is not on cpu', async () => {
    await tf.setBackend('wasm');
    try {
      const { result } = await check(() => new EluLayer(), [3, 3, 2], 4, ['wasm']);
      expect(result.status, result.message).toBe('passed');
      expect(tf.getBackend()).toBe('wasm');
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('leaves no tensors behind', async () => {
    const subject = LayerUnderTest.create(
      { kind: 'factory', value: () => new Conv2dLayer({ filterSize: 3, numFilters: 2 }) },
      [5, 5, 2],
      1,
    );
    const options = {
      ...DEFAULT_CHECK_OPTIONS,
      compareBackends: ['wasm', 'webgpu'] as CheckOptions['compareBackends'],
    };
    await runChecks({ subject, checks: [backendsAgree], seed: 1, options });
    const before = tf.memory().numTensors;
    await runChecks({ subject, checks: [backendsAgree], seed: 1, options });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is skipped, with why, when there is nothing to compare with cpu', async () => {
    const { result } = await check(() => new EluLayer(), [3, 3, 2], 1, []);
    expect(result.status).toBe('skipped');
    expect(result.message).toMatch(/no backend to compare with cpu/);
  });

  it('gives the same verdict for the same seed (replayable)', async () => {
    const a = await check(backendDependent, backendDependentSize, 9, ['wasm']);
    const b = await check(backendDependent, backendDependentSize, 9, ['wasm']);
    expect(b.result.message).toBe(a.result.message);
  });
});

/** Two inputs, two outputs, Form A: [A + B, A B]; `wrongOffCpu`: off cpu the product is scaled by 1.01. */
class SumAndProduct extends tf.layers.Layer {
  static className = 'BackendTestSumAndProduct';
  constructor(private readonly wrongOffCpu = false) {
    super({});
  }
  override computeOutputShape(s: Shape | Shape[]): Shape[] {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as Shape;
    return [shape, shape];
  }
  override call(inputs: Tensor | Tensor[]): Tensor[] {
    const [A, B] = inputs as Tensor[];
    const product = tf.mul(A!, B!);
    return [tf.add(A!, B!), this.wrongOffCpu && tf.getBackend() !== 'cpu' ? tf.mul(product, 1.01) : product];
  }
}

describe('backendsAgree with several inputs and outputs', () => {
  const TWO = [
    [3, 3, 4],
    [3, 3, 4],
  ];
  const quantities = (r: CheckResult, backend: string) =>
    isEvidenceOf(r.evidence, 'backends') ? r.evidence.backends[backend]?.quantities?.map((q) => q.quantity) : [];

  it('passes a correct gated residual (Form B with backward): the output, the derivative for each input and the learnable', async () => {
    const { result } = await check(() => new GatedResidualWithGain(), TWO, 1, ['wasm']);
    expect(result.status, result.message).toBe('passed');
    expect(quantities(result, 'wasm')).toEqual(['output', 'dLdX1', 'dLdX2', 'dLdg']);
    expect(evidenceSchemaProblems(result.evidence)).toBe('');
    expect(result.message).toMatch(/^output, dLdX1, dLdX2, dLdg agree with cpu on wasm/);
    const ev = result.evidence;
    expect(isEvidenceOf(ev, 'backends') && ev.inputShapes).toEqual([
      [4, 3, 3, 4],
      [4, 3, 3, 4],
    ]);
  });

  it('fails a derivative wrong off cpu for input 2 only, naming input 2', async () => {
    const { result } = await check(() => new GatedResidualWithGain(true), TWO, 1, ['wasm']);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^wasm disagrees with cpu on dLdX2 at index \d+ \[[\d,]+\]/);
    expect(result.where).toMatchObject({ parameter: 'input 2', input: 'input 2' });
    expect(result.details ?? []).toEqual([]);
  });

  it('passes a correct two-output layer, and fails one whose output 2 is wrong off cpu, naming output 2', async () => {
    const good = await check(() => new SumAndProduct(), TWO, 2, ['wasm']);
    expect(good.result.status, good.result.message).toBe('passed');
    expect(quantities(good.result, 'wasm')).toEqual(['output 1', 'output 2', 'dLdX1', 'dLdX2']);
    const { result } = await check(() => new SumAndProduct(true), TWO, 2, ['wasm']);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^wasm disagrees with cpu on output 2 at index/);
    expect(result.where).toMatchObject({ parameter: 'output 2', output: 'output 2' });
    // The upstream gradient on output 2 carries the error into both inputs' derivatives.
    expect(result.details?.map((d) => /on (\S+) at/.exec(d)?.[1])).toEqual(['dLdX1', 'dLdX2']);
  });
});

/**
 * A residual add with scalar scales, alpha * A + beta * B; `wrongOffCpu`: off cpu, dLdalpha leaves out
 * the last observation (an off-by-one in a backend-specific fast path).
 */
class ScalarResidual extends CustomLayer {
  static override className = 'BackendTestScalarResidual';
  constructor(private readonly wrongOffCpu = false) {
    super({});
  }
  override build(): void {
    this.addLearnable('alpha', [1], 'ones');
    this.addLearnable('beta', [1], { uniform: [-1, 1] });
    this.built = true;
  }
  predict(A: Tensor, B: Tensor): Tensor {
    return tf.tidy(() => tf.add(tf.mul(this.learnables['alpha']!, A), tf.mul(this.learnables['beta']!, B)));
  }
  override backward(Xs: Tensor | Tensor[], _Zs: Tensor | Tensor[], dLdZs: Tensor | Tensor[]) {
    const [A, B] = Xs as Tensor[];
    const dLdZ = (dLdZs as Tensor[])[0]!;
    return tf.tidy(() => {
      const { alpha, beta } = this.learnables as { alpha: Tensor; beta: Tensor };
      const n = this.wrongOffCpu && tf.getBackend() !== 'cpu' ? A!.shape[0] - 1 : A!.shape[0];
      const dAlpha = tf.reshape(tf.sum(tf.slice(tf.mul(dLdZ, A!), [0], [n])), [1]);
      return {
        dLdX: [tf.mul(dLdZ, alpha), tf.mul(dLdZ, beta)],
        dLdLearnables: {
          alpha: dAlpha,
          beta: tf.reshape(tf.sum(tf.mul(dLdZ, B!)), [1]),
        },
      };
    });
  }
}

describe('backendsAgree: a scalar learnable, whose derivative is one long sum', () => {
  // Seeds 3 and 14: the sum for dLdalpha cancels to 0.022 and 0.028 (terms of size 1, 96 of them);
  // judged against that alone, wasm's other summation order (|diff| 4.6e-6 and 1.4e-6) failed.
  it.each([3, 14])('passes the correct fixtures/multi-io-more/residual-scalars.ts, seed %i (wasm)', async (seed) => {
    const { result } = await check(residualScalars, residualScalarsSize, seed, ['wasm']);
    expect(result.status, result.message).toBe('passed');
    const ev = result.evidence;
    const row = isEvidenceOf(ev, 'backends')
      ? ev.backends['wasm']!.quantities!.find((q) => q.quantity === 'dLdalpha')
      : null;
    expect(Math.abs(row!.cpuValue)).toBeLessThan(0.05); // the cancelled sum
    expect(row!.scale).toBeGreaterThan(1); // judged against the derivative's typical size
    expect(evidenceSchemaProblems(ev)).toBe('');
  });

  it.each([1, 2, 3])(
    'fails a dLdalpha that leaves out an observation off cpu, naming alpha (seed %i)',
    async (seed) => {
      const TWO = [
        [4, 4, 3],
        [4, 4, 3],
      ];
      expect((await check(() => new ScalarResidual(), TWO, seed, ['wasm'])).result.status).toBe('passed');
      const { result } = await check(() => new ScalarResidual(true), TWO, seed, ['wasm']);
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(/^wasm disagrees with cpu on dLdalpha at index 0 \[0\]/);
      expect(result.where).toMatchObject({ parameter: 'alpha' });
    },
  );
});

describe('compareToReference', () => {
  const tol = { atol: 1e-5, rtol: 1e-5 };

  it("takes a typical scale where it is larger than the tensor's own largest |cpu|", () => {
    // A cancelled sum: 0.02 on cpu, 0.02 + 5e-5 elsewhere; its typical size is 10.
    expect(compareToReference([0.02], [0.02005], tol).agrees).toBe(false);
    const c = compareToReference([0.02], [0.02005], tol, 10);
    expect([c.agrees, c.scale]).toEqual([true, 10]);
    expect(compareToReference([0.02], [0.0205], tol, 10).agrees).toBe(false); // 5e-4 > 1e-5 * 10
    expect(compareToReference([50], [50], tol, 10).scale).toBe(50);
  });

  it('judges a near-zero element against the tensor scale and a large one against itself', () => {
    expect(compareToReference([100, 1e-9], [100, 1e-9 + 5e-4], tol).agrees).toBe(true); // 5e-4 <= 1e-5 * 100
    expect(compareToReference([100, 1e-9], [100, 1e-9 + 5e-3], tol).agrees).toBe(false);
    const c = compareToReference([100, 1e-9], [100.003, 1e-9], tol);
    expect(c.agrees).toBe(false); // 3e-3 > 1e-5 * 100 + 1e-5 * 100
    expect([c.worstIndex, c.cpuValue]).toEqual([0, 100]);
  });

  it('never lets NaN agree, not even with NaN; an infinity agrees only with the same infinity', () => {
    expect(compareToReference([NaN, 1], [NaN, 1], tol).agrees).toBe(false);
    expect(compareToReference([1, 2], [1, NaN], tol).worstIndex).toBe(1);
    expect(Number.isNaN(compareToReference([1, 2], [1, NaN], tol).maxAbsDiff)).toBe(true);
    expect(compareToReference([Infinity, 1], [Infinity, 1], tol).agrees).toBe(true);
    expect(compareToReference([Infinity, 1], [-Infinity, 1], tol).agrees).toBe(false);
    expect(compareToReference([3e38, 1], [Infinity, 1], tol).agrees).toBe(false);
  });
});
