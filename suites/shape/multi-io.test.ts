/**
 * The shape suite on layers with several inputs or several outputs (issue 11): correct ones, in
 * both forms, pass every shape check; each broken one fails exactly the check it targets, no other
 * shape check fails on it, and the failure names the input or output ("input 2", "output 2") in
 * its message and in `where`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS } from '../../harness/check.ts';
import { CustomLayer, type MultiBackwardResult } from '../../harness/custom-layer.ts';
import { LayerUnderTest } from '../../harness/layer-under-test.ts';
import type { CheckResult } from '../../harness/result.ts';
import { runChecks } from '../../harness/run-checks.ts';
import { tf, type Shape as HarnessShape, type Tensor } from '../../harness/tf.ts';

type Shape = tf.Shape;
import { evidenceSchemaProblems } from '../../test-support/evidence-schema.ts';
import { shapeChecks } from './index.ts';

const SEED = 11;

/** The shape suite on the layer; every result's evidence (multi-IO fields included) fits the report's JSON Schema. */
async function run(factory: () => unknown, inputSize: number[] | number[][], seed = SEED): Promise<CheckResult[]> {
  const subject = LayerUnderTest.create({ kind: 'factory', value: factory }, inputSize, seed);
  const results = await runChecks({ subject, checks: shapeChecks, seed, options: DEFAULT_CHECK_OPTIONS });
  for (const r of results) if (r.evidence) expect(evidenceSchemaProblems(r.evidence), r.id).toBe('');
  return results;
}

function summary(results: CheckResult[]): string {
  return results.map((r) => `${r.id}: ${r.status} ${r.message}`).join('\n');
}

const lastAxis = (s: Shape) => s[s.length - 1]!;
const allButLast = (X: Tensor) => [...Array(X.rank - 1).keys()];
const asList = (inputs: Tensor | Tensor[]) => (Array.isArray(inputs) ? inputs : [inputs]);

// ---------- correct layers ----------

/** Form A, two inputs: Z = A + sigmoid(A) * (gain * B), a gated residual with a learnable gain per channel. */
class GatedSum extends tf.layers.Layer {
  static className = 'GatedSumShapeTest';
  private gain: tf.LayerVariable | null = null;
  override build(inputShape: Shape | Shape[]): void {
    const s = (inputShape as Shape[])[1]!;
    this.gain = this.addWeight(
      'gain',
      [lastAxis(s)],
      'float32',
      tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 5 }),
    );
    this.built = true;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const [A, B] = asList(inputs) as [Tensor, Tensor];
      return tf.add(A, tf.mul(tf.sigmoid(A), tf.mul(B, this.gain!.read())));
    });
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }
}

/** Form A, one input, two outputs: the first `head` channels through tanh, the rest as they are. */
class SplitChannels extends tf.layers.Layer {
  static className = 'SplitChannelsShapeTest';
  readonly head: number;
  constructor(args: { head?: number; name?: string } = {}) {
    super(args);
    this.head = args.head ?? 1;
  }
  override call(inputs: Tensor | Tensor[]): Tensor[] {
    return tf.tidy(() => {
      const X = asList(inputs)[0]!;
      const [a, b] = tf.split(X, [this.head, lastAxis(X.shape) - this.head], -1) as [Tensor, Tensor];
      return [tf.tanh(a), b];
    });
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = inputShape as Shape;
    const c = lastAxis(s);
    return [
      [...s.slice(0, -1), this.head],
      [...s.slice(0, -1), c === null ? null : c - this.head],
    ];
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), head: this.head };
  }
}

/**
 * Form B, two inputs and two outputs, with its own backward: Z1 = A + w * B, Z2 = A * B, w learnable
 * per channel. dZ1/dA = 1, dZ1/dB = w, dZ1/dw = B; dZ2/dA = B, dZ2/dB = A.
 */
class SumAndProduct extends CustomLayer {
  static override className = 'SumAndProductShapeTest';
  override build(inputShape: Shape | Shape[]): void {
    this.addLearnable('w', [lastAxis((inputShape as Shape[])[1]!)], { uniform: [0.5, 1.5] });
    this.built = true;
  }
  predict(A: Tensor, B: Tensor): Tensor[] {
    return tf.tidy(() => [tf.add(A, tf.mul(this.learnables['w']!, B)), tf.mul(A, B)]);
  }
  override backward(Xs: Tensor[], _Zs: Tensor[], dLdZs: Tensor[]): MultiBackwardResult {
    return tf.tidy(() => {
      const [A, B] = Xs as [Tensor, Tensor];
      const [d1, d2] = dLdZs as [Tensor, Tensor];
      const w = this.learnables['w']!;
      return {
        dLdX: [tf.add(d1, tf.mul(d2, B)), tf.add(tf.mul(d1, w), tf.mul(d2, A))],
        dLdLearnables: { w: tf.sum(tf.mul(d1, B), allButLast(B)) },
      };
    });
  }
}

/** Form B, three inputs, one output, no backward (automatic differentiation): Z = A * tanh(B) + C. */
class ThreeInputs extends CustomLayer {
  static override className = 'ThreeInputsShapeTest';
  predict(A: Tensor, B: Tensor, C: Tensor): Tensor {
    return tf.tidy(() => tf.add(tf.mul(A, tf.tanh(B)), C));
  }
}

for (const cls of [GatedSum, SplitChannels, SumAndProduct, ThreeInputs]) tf.serialization.registerClass(cls);

const PASSING: { name: string; factory: () => unknown; inputSize: number[] | number[][] }[] = [
  {
    name: 'Form A, two inputs (gated sum with a learnable gain)',
    factory: () => new GatedSum(),
    inputSize: [
      [4, 4, 3],
      [4, 4, 3],
    ],
  },
  {
    name: 'Form A, one input, two outputs (split)',
    factory: () => new SplitChannels({ head: 2 }),
    inputSize: [4, 4, 5],
  },
  {
    name: 'Form B with backward, two inputs, two outputs',
    factory: () => new SumAndProduct(),
    inputSize: [
      [3, 4],
      [3, 4],
    ],
  },
  {
    name: 'Form B without backward, three inputs of different sizes',
    factory: () => new ThreeInputs(),
    inputSize: [
      [2, 3],
      [2, 3],
      [1, 3],
    ],
  },
];

describe('shape suite, several inputs or outputs: correct layers pass every check', () => {
  it.each(PASSING)('$name', async ({ factory, inputSize }) => {
    const results = await run(factory, inputSize);
    expect(results.map((r) => r.id)).toEqual(shapeChecks.map((c) => c.id));
    for (const r of results) expect(r.status, `${r.id}: ${r.message}\n\n${summary(results)}`).toBe('passed');
  });

  it('leaves no tensors behind itself (two inputs, two outputs)', async () => {
    const subject = LayerUnderTest.create(
      { kind: 'factory', value: () => new SumAndProduct() },
      [
        [3, 4],
        [3, 4],
      ],
      SEED,
    );
    const before = tf.memory().numTensors;
    await runChecks({ subject, checks: shapeChecks, seed: SEED, options: DEFAULT_CHECK_OPTIONS });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names every input and output in what passes', async () => {
    const results = new Map(
      (
        await run(
          () => new SumAndProduct(),
          [
            [3, 4],
            [3, 4],
          ],
        )
      ).map((r) => [r.id, r]),
    );
    expect(results.get('predictDoesNotError')!.message).toBe(
      'predict ran on inputs of shapes [2,3,4] and [2,3,4] and returned 2 outputs: float32 [2,3,4], float32 [2,3,4]',
    );
    expect(results.get('backwardIsConsistentInSize')!.message).toBe(
      'backward: dLdX[0] [2,3,4], dLdX[1] [2,3,4], w [4], each the shape of what it differentiates',
    );
    expect(results.get('outputShapeMatchesComputeOutputShape')!.message).toMatch(
      /^computeOutputShape\(\[\[2,3,4\],\[2,3,4\]\]\) = \[\[2,3,4\],\[2,3,4\]\], the shapes predict returns for its 2 outputs/,
    );
  });
});

// ---------- broken layers, each caught by one check ----------

/** The broken split: two outputs, computeOutputShape declares one. */
class SplitDeclaresOne extends SplitChannels {
  static override className = 'SplitDeclaresOneShapeTest';
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [...s.slice(0, -1), this.head];
  }
}

/** backward returns a derivative for the first input only. */
class BackwardTooFew extends SumAndProduct {
  static override className = 'BackwardTooFewShapeTest';
  override backward(Xs: Tensor[], Zs: Tensor[], dLdZs: Tensor[]): MultiBackwardResult {
    const r = super.backward(Xs, Zs, dLdZs);
    const [first, second] = r.dLdX;
    second!.dispose();
    return { dLdX: [first!], dLdLearnables: r.dLdLearnables };
  }
}

/** predict(A) for a two-input layer: the second input never reaches it. */
class PredictOneParameter extends CustomLayer {
  static override className = 'PredictOneParameterShapeTest';
  predict(A: Tensor): Tensor {
    return tf.tanh(A);
  }
}

/** Output 2 comes back as int32 at prediction time (forward keeps float32). */
class SecondOutputInt32 extends CustomLayer {
  static override className = 'SecondOutputInt32ShapeTest';
  predict(X: Tensor): Tensor[] {
    return tf.tidy(() => [tf.tanh(X), tf.cast(tf.round(X), 'int32')]);
  }
  override forward(X: Tensor): Tensor[] {
    return tf.tidy(() => [tf.tanh(X), tf.round(X)]);
  }
}

/** forward's output 2 keeps a singleton axis that predict's drops. */
class ForwardSecondOutputShape extends CustomLayer {
  static override className = 'ForwardSecondOutputShapeShapeTest';
  predict(A: Tensor, B: Tensor): Tensor[] {
    return tf.tidy(() => [tf.add(A, B), tf.sum(tf.mul(A, B), -1)]);
  }
  override forward(A: Tensor, B: Tensor): Tensor[] {
    return tf.tidy(() => [tf.add(A, B), tf.sum(tf.mul(A, B), -1, true)]);
  }
}

/** Form A: Z = A + mean of B over the batch: observation i's output depends on the other observations of input 2. */
/** Z = A + sigmoid(A) * B, checked with one size: B is undefined. */
class TwoInputPredictOneSize extends CustomLayer {
  static override className = 'TwoInputPredictOneSizeShapeTest';
  predict(A: Tensor, B: Tensor): Tensor {
    return tf.add(A, tf.mul(tf.sigmoid(A), B));
  }
}

class MixesSecondInput extends tf.layers.Layer {
  static className = 'MixesSecondInputShapeTest';
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const [A, B] = asList(inputs) as [Tensor, Tensor];
      return tf.add(A, tf.mean(B, 0, true));
    });
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }
}

/** backward's derivative for input 2 is summed over the batch (the shape of a per-channel parameter). */
class SecondDerivativeSummed extends SumAndProduct {
  static override className = 'SecondDerivativeSummedShapeTest';
  override backward(Xs: Tensor[], Zs: Tensor[], dLdZs: Tensor[]): MultiBackwardResult {
    const r = super.backward(Xs, Zs, dLdZs);
    const [dA, dB] = r.dLdX as [Tensor, Tensor];
    const summed = tf.sum(dB, 0);
    dB.dispose();
    return { dLdX: [dA, summed], dLdLearnables: r.dLdLearnables };
  }
}

/** Output 2 carries prediction-time noise. */
class NoisySecondOutput extends SplitChannels {
  static override className = 'NoisySecondOutputShapeTest';
  override call(inputs: Tensor | Tensor[]): Tensor[] {
    const [a, b] = super.call(inputs) as [Tensor, Tensor];
    const noisy = tf.tidy(() => tf.add(b, tf.randomNormal(b.shape)));
    b.dispose();
    return [a, noisy];
  }
}

/** predict leaves its intermediate product behind (no tf.tidy). */
class LeakyTwoInputs extends CustomLayer {
  static override className = 'LeakyTwoInputsShapeTest';
  predict(A: Tensor, B: Tensor): Tensor {
    return tf.add(A, tf.mul(A, B));
  }
}

/** Form A, two inputs, one output, keeping tf.layers.Layer's computeOutputShape (the list of input shapes: two outputs). */
class DefaultShapeTwoInputs extends tf.layers.Layer {
  static className = 'DefaultShapeTwoInputsShapeTest';
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const [A, B] = asList(inputs) as [Tensor, Tensor];
      return tf.mul(A, tf.sigmoid(B));
    });
  }
}

/** Form A with two inputs whose getConfig forgets its factor. */
class ForgetfulWeightedSum extends tf.layers.Layer {
  static className = 'ForgetfulWeightedSumShapeTest';
  readonly factor: number;
  constructor(args: { factor?: number; name?: string } = {}) {
    super(args);
    this.factor = args.factor ?? 1;
  }
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const [A, B] = asList(inputs) as [Tensor, Tensor];
      return tf.add(A, tf.mul(B, this.factor));
    });
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }
}

for (const cls of [
  SplitDeclaresOne,
  BackwardTooFew,
  PredictOneParameter,
  SecondOutputInt32,
  ForwardSecondOutputShape,
  MixesSecondInput,
  TwoInputPredictOneSize,
  SecondDerivativeSummed,
  NoisySecondOutput,
  LeakyTwoInputs,
  ForgetfulWeightedSum,
  DefaultShapeTwoInputs,
])
  tf.serialization.registerClass(cls);

const TWO = [
  [4, 4, 3],
  [4, 4, 3],
];

interface Broken {
  name: string;
  factory: () => unknown;
  inputSize: number[] | number[][];
  check: string;
  message: RegExp;
  where?: { parameter?: string; input?: string; output?: string };
}

const BROKEN: Broken[] = [
  {
    name: 'a split whose computeOutputShape declares one output',
    factory: () => new SplitDeclaresOne({ head: 2 }),
    inputSize: [4, 4, 5],
    check: 'outputShapeMatchesComputeOutputShape',
    message: /^call \(training: false\) returns 2 outputs; computeOutputShape declares 1 /,
  },
  {
    name: "two inputs, one output, tf.layers.Layer's default computeOutputShape",
    factory: () => new DefaultShapeTwoInputs(),
    inputSize: TWO,
    check: 'outputShapeMatchesComputeOutputShape',
    message:
      /^call \(training: false\) returns 1 output; computeOutputShape declares 2 \(computeOutputShape\(\[\[2,4,4,3\],\[2,4,4,3\]\]\) returned \[\[2,4,4,3\],\[2,4,4,3\]\] \(the default, "same as the input": override computeOutputShape\)\): return one shape, here \[2,4,4,3\]$/,
  },
  {
    name: 'a backward returning one input derivative for two inputs',
    factory: () => new BackwardTooFew(),
    inputSize: [
      [3, 4],
      [3, 4],
    ],
    check: 'functionSyntaxesAreCorrect',
    message:
      /^BackwardTooFewShapeTest\.backward returned 1 input derivative in dLdX but the layer takes 2 inputs; return one per input/,
  },
  {
    name: 'predict(A) for a layer with two inputs',
    factory: () => new PredictOneParameter(),
    inputSize: TWO,
    check: 'functionSyntaxesAreCorrect',
    message: /^PredictOneParameter\.predict declares 1 parameter for 2 inputs; it is called as predict\(X1, X2\)/,
  },
  {
    name: 'an int32 output 2',
    factory: () => new SecondOutputInt32(),
    inputSize: [4, 3],
    check: 'predictIsConsistentInType',
    message: /^predict returned int32 at output 2 for a float32 input; expected float32$/,
    where: { parameter: 'output', output: 'output 2' },
  },
  {
    name: "forward's output 2 shaped unlike predict's",
    factory: () => new ForwardSecondOutputShape(),
    inputSize: TWO,
    check: 'forwardPredictAreConsistentInSize',
    message:
      /^forward returned shape \[2,4,4,1\] at output 2; predict returned \[2,4,4\] for the same inputs \[2,4,4,3\] and \[2,4,4,3\]$/,
    where: { parameter: 'output', output: 'output 2' },
  },
  {
    name: 'an output mixing observations of input 2',
    factory: () => new MixesSecondInput(),
    inputSize: TWO,
    check: 'observationsAreIndependent',
    message: /^observation \d predicted in a batch of 3 gave .* at output \[/,
    where: { parameter: 'output', input: 'input 2' },
  },
  {
    name: 'a derivative for input 2 summed over the batch',
    factory: () => new SecondDerivativeSummed(),
    inputSize: [
      [3, 4],
      [3, 4],
    ],
    check: 'backwardIsConsistentInSize',
    message: /^backward returned dLdX\[1\] \(input 2\) of shape \[3,4\]; expected \[2,3,4\], the shape of input 2$/,
    where: { parameter: 'input', input: 'input 2' },
  },
  {
    name: 'noise in output 2 at prediction time',
    factory: () => new NoisySecondOutput({ head: 2 }),
    inputSize: [4, 4, 5],
    check: 'predictIsDeterministic',
    message: /^call \(training: false\) gave different outputs for the same input: .* at output 2 \[/,
    where: { parameter: 'output', output: 'output 2' },
  },
  {
    name: 'a predict of two inputs without tf.tidy',
    factory: () => new LeakyTwoInputs(),
    inputSize: TWO,
    check: 'noTensorLeaks',
    message: /^predict left 1 tensor behind per call/,
  },
  {
    name: 'a two-input getConfig that forgets its factor',
    factory: () => new ForgetfulWeightedSum({ factor: 3 }),
    inputSize: TWO,
    check: 'configRoundTrips',
    message: /^the layer rebuilt from getConfig\(\) with the same weights predicts .* getConfig misses a setting/,
    where: { parameter: 'output' },
  },
];

describe('shape suite, several inputs or outputs: each broken layer fails its own check and no other', () => {
  it.each(BROKEN)('$name: $check', async ({ factory, inputSize, check, message, where }) => {
    const results = await run(factory, inputSize);
    const own = results.find((r) => r.id === check)!;
    expect(own.status, summary(results)).toBe('failed');
    expect(own.message).toMatch(message);
    expect(own.message).not.toContain('\n');
    if (where) expect(own.where).toMatchObject(where);
    expect(
      results.filter((r) => r.id !== check && r.status === 'failed'),
      summary(results),
    ).toEqual([]);
  });
});

/**
 * The fixtures of fixtures/multi-io/ (the and more) through the shape suite, by what each
 * file's header says: "Correct, passes every check" passes all of it; "Must be caught by <id>" with
 * a shape check's id fails that check and no other; one caught elsewhere (the gradient checks)
 * fails no shape check.
 */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/multi-io');
const fixtureFiles = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((file) => {
    const head = readFileSync(path.join(FIXTURES, file), 'utf8');
    const target = /Must be caught by (\w+)/.exec(head)?.[1];
    const shapeTarget = shapeChecks.some((c) => c.id === target) ? target : undefined;
    return { file, correct: head.startsWith('// Correct, passes every check'), shapeTarget };
  });

describe('shape suite on fixtures/multi-io', () => {
  it("finds the issue's fixtures", () => {
    expect(fixtureFiles.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        'gated-residual.ts',
        'gated-residual-wrong-dA.ts',
        'attention.ts',
        'attention-wrong-softmax-jacobian.ts',
        'split.ts',
        'split-one-output-shape.ts',
      ]),
    );
    expect(fixtureFiles.find((f) => f.file === 'split-one-output-shape.ts')!.shapeTarget).toBe(
      'outputShapeMatchesComputeOutputShape',
    );
  });

  it.each(fixtureFiles)('$file', async ({ file, correct, shapeTarget }) => {
    const m = (await import(`../../fixtures/multi-io/${file.slice(0, -'.ts'.length)}.ts`)) as {
      default: () => unknown;
      inputSize: number[] | number[][];
    };
    const results = await run(m.default, m.inputSize);
    const failed = results.filter((r) => r.status === 'failed').map((r) => r.id);
    if (correct) {
      for (const r of results) expect(r.status, `${r.id}: ${r.message}\n\n${summary(results)}`).toBe('passed');
    } else {
      expect(failed, summary(results)).toEqual(shapeTarget ? [shapeTarget] : []);
    }
  });

  it('the issue\'s broken split: "returns 2 outputs; computeOutputShape declares 1"', async () => {
    const m = (await import('../../fixtures/multi-io/split-one-output-shape.ts')) as {
      default: () => unknown;
      inputSize: number[];
    };
    const r = (await run(m.default, m.inputSize)).find((x) => x.id === 'outputShapeMatchesComputeOutputShape')!;
    expect(r.message).toBe(
      'call (training: false) returns 2 outputs; computeOutputShape declares 1 (computeOutputShape([2,4,4,6]) returned [2,4,4,2]): return a list of 2 shapes, one per output, here [[2,4,4,2],[2,4,4,4]]',
    );
  });

  it('observationsAreIndependent names the input that mixes observations, and the one that does not', async () => {
    const r = (await run(() => new MixesSecondInput(), TWO)).find((c) => c.id === 'observationsAreIndependent')!;
    expect(r.status).toBe('failed');
    expect(r.details?.[0]).toBe(
      'input 2 mixes observations (varied alone across the batch, it changes the outputs; input 1 does not)',
    );
  });

  it('a Form B predict(A, B) given one size: one failure, functionSyntaxesAreCorrect, saying to give two sizes', async () => {
    const results = await run(() => new TwoInputPredictOneSize(), [4, 3]);
    const failed = results.filter((r) => r.status === 'failed').map((r) => r.id);
    expect(failed, summary(results)).toEqual(['functionSyntaxesAreCorrect']);
    expect(results[0]!.message).toMatch(
      /if the layer takes 2 inputs, give 2 input sizes \(--input-size once per input/,
    );
    const predict = results.find((r) => r.id === 'predictDoesNotError')!;
    expect(predict.status).toBe('incomplete');
    expect(predict.message).toMatch(/^not judged: functionSyntaxesAreCorrect failed; predict declares more parameters/);
  });

  it('a two-input Form A layer given one size: computeOutputShape throws, and the failure says to give one size per input', async () => {
    const m = (await import('../../fixtures/multi-io/concat.ts')) as { default: () => unknown };
    const r = (await run(m.default, [4, 4, 3])).find((x) => x.id === 'outputShapeMatchesComputeOutputShape')!;
    expect(r.status).toBe('failed');
    expect(r.details).toEqual([expect.stringMatching(/if the layer takes several inputs, give one size per input/)]);
  });

  it('a computeOutputShape the layer overrides is not called "the default" when it is wrong for output 2', async () => {
    const m = (await import('../../fixtures/multi-io-more/channel-moments-wrong-variance-shape.ts')) as {
      default: () => unknown;
      inputSize: number[];
    };
    const r = (await run(m.default, m.inputSize)).find((x) => x.id === 'outputShapeMatchesComputeOutputShape')!;
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/says \[2,4,4,3\] for output 2$/);
  });

  it('a Form A layer of three inputs given two sizes: predictDoesNotError says how many inputs it was called with', async () => {
    const m = (await import('../../fixtures/multi-io-more/film.ts')) as { default: () => unknown };
    const r = (await run(m.default, [[4, 4, 3], [3]])).find((x) => x.id === 'predictDoesNotError')!;
    expect(r.status).toBe('failed');
    expect(r.details).toEqual([
      expect.stringMatching(/^it was called with 2 inputs \(one per input size given\); if the layer takes more/),
    ]);
  });
});

describe('shape suite: a predict that returns a list of one tensor', () => {
  /** Form B, Z = [2X]: one output, returned as a list. */
  class ListOfOne extends CustomLayer {
    static override className = 'ListOfOneShapeTest';
    predict(X: Tensor): Tensor[] {
      return [tf.mul(X, 2)];
    }
  }
  tf.serialization.registerClass(ListOfOne);

  it('passes every shape check: its default computeOutputShape says [shape], which TensorFlow.js unwraps as it unwraps [Z]', async () => {
    const results = await run(() => new ListOfOne(), [3, 4]);
    expect(
      results.filter((r) => r.status === 'failed'),
      summary(results),
    ).toEqual([]);
    // And a model built on it wires it as one output.
    const input = tf.input({ shape: [3, 4] });
    const model = tf.model({ inputs: input, outputs: new ListOfOne().apply(input) as tf.SymbolicTensor });
    expect(model.outputs[0]!.shape).toEqual([null, 3, 4]);
    const y = model.predict(tf.ones([2, 3, 4])) as Tensor;
    expect(Array.from(await y.data())).toEqual(new Array<number>(24).fill(2));
    model.dispose();
  });

  it('still fails a list of one shape that is not the shape predict returns', async () => {
    class WrongList extends ListOfOne {
      static override className = 'ListOfOneWrongShapeTest';
      override computeOutputShape(inputShape: HarnessShape | HarnessShape[]): HarnessShape | HarnessShape[] {
        return [[(inputShape as HarnessShape)[0]!, 4, 3]];
      }
    }
    tf.serialization.registerClass(WrongList);
    const results = await run(() => new WrongList(), [3, 4]);
    const failed = results.filter((r) => r.status === 'failed').map((r) => r.id);
    expect(failed).toEqual(['outputShapeMatchesComputeOutputShape']);
  });
});
